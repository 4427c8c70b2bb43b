"""The service's platform layer: configuration, strict JSON in and out, problem documents,
logs, metrics, request ids, rate limiting and security headers. Every resource relies on it;
none of it knows about decision models."""
