-- Vary the weights of each request so no cache can answer from a previous body.
local criteria = {"impartiality-and-authority", "peace-process", "personnel-safety", "protection-of-civilians",
                  "state-authority", "diplomatic-feasibility", "regional-demilitarization", "stabilization"}
local counter = 0
request = function()
  counter = counter + 1
  local parts = {}
  for i, c in ipairs(criteria) do
    parts[#parts + 1] = string.format('"%s": %d', c, (counter * 7 + i * 13) % 10 + 1)
  end
  local body = '{"weights": {' .. table.concat(parts, ", ") .. '}, "k": 5, ' ..
               '"constraints": [{"type": "max_options", "count": 3}, {"type": "exclude", "options": ["plan-exit"]}]}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
