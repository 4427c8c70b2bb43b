-- Vary the weights of each request so no cache can answer from a previous body.
local criteria = {"impartiality-and-authority", "peace-process", "personnel-safety", "protection-of-civilians",
                  "state-authority", "diplomatic-feasibility", "regional-demilitarization", "stabilization"}
math.randomseed(7)
request = function()
  local parts = {}
  for i, c in ipairs(criteria) do
    parts[#parts + 1] = string.format('"%s": %.4f', c, math.random())
  end
  local body = '{"weights": {' .. table.concat(parts, ", ") .. '}, "k": 5, ' ..
               '"constraints": [{"type": "max_options", "count": 3}, {"type": "exclude", "options": ["plan-exit"]}]}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
