-- cleanup.lua: how aggressively the session cleanup pass evicts idle sessions.
--
-- Entry: plan(s) -> {idle_ttl=int seconds, max_evictions=int, emergency=bool, reason=string}
-- Normal: evict sessions idle longer than PERSISTENT_SESSION_TIMEOUT, at most
-- CLEANUP_BATCH_SIZE per pass (seed 001 configuration).
-- Emergency when the cache is at EMERGENCY_CLEANUP_THRESHOLD of MAX_PERSISTENT_SESSIONS
-- (active >= threshold * capacity) or memory >= EMERGENCY_MEMORY_PERCENT:
--   idle_ttl = min(timeout, EMERGENCY_IDLE_TTL)  (seed 000 memory_crisis: timeout 300 s)
--   max_evictions = enough to bring the cache down to EMERGENCY_TARGET_FRACTION of capacity,
--                   never fewer than batch_size.
-- capacity <= 0 means "no limit known": the capacity rule is skipped (no division by zero);
-- memory can still trigger an emergency, then the target is 0 sessions.

local EMERGENCY_MEMORY_PERCENT = 90 -- seed 001 performance_response: memory > 90 -> reduce limits
local EMERGENCY_IDLE_TTL = 300      -- seed 000 memory_crisis: PERSISTENT_SESSION_TIMEOUT=300
local EMERGENCY_TARGET_FRACTION = 0.5

function plan(s)
  local settings = s.settings
  local timeout = math.floor(settings.timeout)
  local batch = math.max(0, math.floor(settings.batch_size))
  local capacity = s.capacity
  local active = s.active
  local memory = s.memory_usage_percent

  local by_capacity = capacity > 0 and active >= settings.emergency_threshold * capacity
  local by_memory = memory >= EMERGENCY_MEMORY_PERCENT
  local usage = string.format("%d/%d sessions, memory %.1f%%", active, capacity, memory)

  if not (by_capacity or by_memory) then
    return { idle_ttl = timeout, max_evictions = batch, emergency = false, reason = "normal: " .. usage }
  end

  local target = math.floor(math.max(0, capacity) * EMERGENCY_TARGET_FRACTION)
  local causes = {}
  if by_capacity then
    causes[#causes + 1] = string.format("sessions >= %.0f%% of capacity", settings.emergency_threshold * 100)
  end
  if by_memory then
    causes[#causes + 1] = string.format("memory >= %d%%", EMERGENCY_MEMORY_PERCENT)
  end
  return {
    idle_ttl = math.min(timeout, EMERGENCY_IDLE_TTL),
    max_evictions = math.max(batch, active - target),
    emergency = true,
    reason = string.format("emergency: %s (%s), target %d sessions", table.concat(causes, " and "), usage, target),
  }
end
