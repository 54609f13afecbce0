-- severity.lua: classify a metrics snapshot into P0..P3 (or nil when healthy).
--
-- Entry: classify(m) -> {severity="P0"|"P1"|"P2"|"P3"|nil, reasons={string...}}
-- The worst matching level wins; reasons lists every criterion of that level that matched.
-- Thresholds: seed 000 "Incident Classification" (P0-P3 criteria table); AI provider status
-- from seed 004 (P2 "third-party integration failure").
--
-- Boundaries (each value belongs to exactly one band):
--   error rate   P1: > 0.25        P2: 0.10 <= r <= 0.25    P3: 0.05 <= r < 0.10
--   avg response P1: > 10000 ms    P2: 3000 <= ms <= 10000  P3: 2000 <= ms < 3000
--   cache hit    P2: < 0.30        P3: 0.30 <= h < 0.50
--   memory       P1: > 95 %        P2: 85 <= % <= 95        P3: 75 <= % < 85
--                (memory.used_percent: cgroup limit, else host; not the process's RSS)
-- Enough evidence before paging: error-rate and latency criteria need at least MIN_REQUESTS
-- requests in the window (one failure out of two is not an incident); cache-hit criteria need
-- persistent sessions enabled and at least MIN_CACHE_LOOKUPS lookups behind the ratio (a new
-- session's first message is not a lookup). A numeric field that is absent is skipped.
-- AI provider: "unavailable" (open circuit breaker) is P2 as it stands. "degraded" (the last
-- request or health probe failed) is P3 only with evidence: at least AI_MIN_REQUESTS requests to
-- the provider in the window (ai.requests; one failed stream out of 3 is not an incident), or a
-- failed active health probe in it (ai.probe = "failed": the upstream failed a question asked on
-- purpose, with or without traffic).

local MIN_REQUESTS = 10
local MIN_CACHE_LOOKUPS = 20
local AI_MIN_REQUESTS = 10 -- requests to the provider before "degraded" may page

local ERROR_RATE_P1 = 0.25 -- P1 above (exclusive)
local ERROR_RATE_P2 = 0.10 -- P2 from (inclusive) up to and including ERROR_RATE_P1
local ERROR_RATE_P3 = 0.05 -- P3 from (inclusive) up to ERROR_RATE_P2 (exclusive)

local AVG_MS_P1 = 10000 -- "response times > 10 seconds"
local AVG_MS_P2 = 3000  -- "response times 3-10 seconds"
local AVG_MS_P3 = 2000  -- "response times 2-3 seconds"

local CACHE_HIT_P2 = 0.30 -- "cache hit ratio < 30%"
local CACHE_HIT_P3 = 0.50 -- "cache hit ratio 30-50%"

local MEMORY_P1 = 95 -- "memory usage > 95%"
local MEMORY_P2 = 85 -- "memory usage 85-95%"
local MEMORY_P3 = 75 -- "memory usage 75-85%"

local LEVELS = { "P0", "P1", "P2", "P3" }

-- 0.31 -> "31.0", 0.0999 -> "9.99": two decimals at most, at least one
local function percent(fraction_or_percent)
  local s = string.format("%.2f", fraction_or_percent):gsub("0$", "")
  return s
end

-- 3000 -> "3000", 2999.5 -> "2999.5", 0.10 * 100 -> "10"
local function plain(x)
  local s = string.format("%.2f", x):gsub("%.?0+$", "")
  return s
end

-- "error rate 31.0% > 25%": the threshold is shown from its constant, so changing a threshold
-- changes its reason text with it
local function reason(label, shown, unit, comparison, threshold)
  return label .. " " .. shown .. unit .. " " .. comparison .. " " .. plain(threshold) .. unit
end

local function number_or_nil(x)
  if type(x) == "number" then
    return x
  end
  return nil
end

function classify(m)
  local found = { P0 = {}, P1 = {}, P2 = {}, P3 = {} }
  local function add(level, reason)
    local list = found[level]
    list[#list + 1] = reason
  end

  local database = (m.database or {}).status
  local ai_input = m.ai or {}
  local ai = ai_input.status
  local sessions = m.persistent_sessions or {}
  local enough_traffic = (number_or_nil(m.requests) or 0) >= MIN_REQUESTS

  -- P0: complete system failure
  if m.reachable == false then
    add("P0", "health endpoint unreachable")
  end
  if database == "unhealthy" then
    add("P0", "database unhealthy")
  end

  -- P1: persistent sessions completely failing (only meaningful while the feature is on)
  if sessions.enabled and sessions.failing then
    add("P1", "persistent sessions failing")
  end

  local error_rate = enough_traffic and number_or_nil(m.error_rate)
  if error_rate then
    local shown = percent(error_rate * 100)
    if error_rate > ERROR_RATE_P1 then
      add("P1", reason("error rate", shown, "%", ">", ERROR_RATE_P1 * 100))
    elseif error_rate >= ERROR_RATE_P2 then
      add("P2", reason("error rate", shown, "%", ">=", ERROR_RATE_P2 * 100))
    elseif error_rate >= ERROR_RATE_P3 then
      add("P3", reason("error rate", shown, "%", ">=", ERROR_RATE_P3 * 100))
    end
  end

  local avg = enough_traffic and number_or_nil(m.avg_response_ms)
  if avg then
    if avg > AVG_MS_P1 then
      add("P1", reason("avg response", plain(avg), " ms", ">", AVG_MS_P1))
    elseif avg >= AVG_MS_P2 then
      add("P2", reason("avg response", plain(avg), " ms", ">=", AVG_MS_P2))
    elseif avg >= AVG_MS_P3 then
      add("P3", reason("avg response", plain(avg), " ms", ">=", AVG_MS_P3))
    end
  end

  local enough_lookups = (number_or_nil(m.cache_lookups) or 0) >= MIN_CACHE_LOOKUPS
  local hit = sessions.enabled and enough_lookups and number_or_nil(m.cache_hit_ratio)
  if hit then
    if hit < CACHE_HIT_P2 then
      add("P2", reason("cache hit ratio", percent(hit * 100), "%", "<", CACHE_HIT_P2 * 100))
    elseif hit < CACHE_HIT_P3 then
      add("P3", reason("cache hit ratio", percent(hit * 100), "%", "<", CACHE_HIT_P3 * 100))
    end
  end

  local memory = number_or_nil((m.memory or {}).used_percent)
  if memory then
    if memory > MEMORY_P1 then
      add("P1", reason("memory", percent(memory), "%", ">", MEMORY_P1))
    elseif memory >= MEMORY_P2 then
      add("P2", reason("memory", percent(memory), "%", ">=", MEMORY_P2))
    elseif memory >= MEMORY_P3 then
      add("P3", reason("memory", percent(memory), "%", ">=", MEMORY_P3))
    end
  end

  -- database degraded is partial degradation; AI provider per seed 004
  if database == "degraded" then
    add("P2", "database degraded")
  end
  if ai == "unavailable" then
    add("P2", "AI provider unavailable (third-party integration failure)")
  elseif ai == "degraded" then
    local ai_requests = number_or_nil(ai_input.requests) or 0
    if ai_requests >= AI_MIN_REQUESTS then
      local failures = number_or_nil(ai_input.failures) or 0
      add("P3", "AI provider degraded: " .. plain(failures) .. " of " .. plain(ai_requests) .. " requests failed")
    elseif ai_input.probe == "failed" then
      add("P3", "AI provider degraded: health probe failed")
    end
  end

  for _, level in ipairs(LEVELS) do
    if #found[level] > 0 then
      return { severity = level, reasons = found[level] }
    end
  end
  return { reasons = {} }
end
