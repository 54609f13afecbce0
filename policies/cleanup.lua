-- cleanup.lua: how aggressively the session cleanup pass evicts idle sessions.
--
-- Entry: plan(s) -> {idle_ttl=int seconds, max_evictions=int, emergency=bool, reason=string}
-- Normal: evict sessions idle longer than PERSISTENT_SESSION_TIMEOUT, at most
-- CLEANUP_BATCH_SIZE per pass (seed 001 configuration).
-- Emergency when the cache is at EMERGENCY_CLEANUP_THRESHOLD of MAX_PERSISTENT_SESSIONS
-- (active >= threshold * capacity) or memory.used_percent >= EMERGENCY_MEMORY_PERCENT
-- (memory in use over the cgroup limit, else the host's; absent = unknown, never an emergency):
--   idle_ttl = min(timeout, EMERGENCY_IDLE_TTL)  (seed 000 memory_crisis: timeout 300 s)
--   max_evictions = enough to bring the cache down to EMERGENCY_TARGET_FRACTION of capacity,
--                   never fewer than batch_size.
-- Requested emergency (s.emergency_requested: an operator's POST
-- /api/v1/sessions/cleanup/emergency, or escalation's emergency_cleanup): the same target, but
-- idle_ttl = 0, i.e. regardless of recency: the operator asks because memory must be freed
-- now, and sessions used a moment ago hold it as much as idle ones (nothing is lost: they come
-- back from SQLite on their next message).
-- capacity <= 0 means "no limit known": the capacity rule is skipped (no division by zero);
-- memory or a request can still trigger an emergency, then the target is 0 sessions.

local EMERGENCY_MEMORY_PERCENT = 90 -- seed 001 performance_response: memory > 90 -> reduce limits
local EMERGENCY_IDLE_TTL = 300      -- seed 000 memory_crisis: PERSISTENT_SESSION_TIMEOUT=300
local REQUESTED_IDLE_TTL = 0        -- an operator's emergency: regardless of recency
local EMERGENCY_TARGET_FRACTION = 0.5

function plan(s)
  local settings = s.settings
  local timeout = math.floor(settings.timeout)
  local batch = math.max(0, math.floor(settings.batch_size))
  local capacity = s.capacity
  local active = s.active
  local memory = (s.memory or {}).used_percent
  local requested = s.emergency_requested == true

  local by_capacity = capacity > 0 and active >= settings.emergency_threshold * capacity
  local by_memory = memory ~= nil and memory >= EMERGENCY_MEMORY_PERCENT
  local shown_memory = memory and string.format("%.1f%%", memory) or "unknown"
  local usage = string.format("%d/%d sessions, memory %s", active, capacity, shown_memory)

  if not (by_capacity or by_memory or requested) then
    return { idle_ttl = timeout, max_evictions = batch, emergency = false, reason = "normal: " .. usage }
  end

  local target = math.floor(math.max(0, capacity) * EMERGENCY_TARGET_FRACTION)
  local causes = {}
  if requested then
    causes[#causes + 1] = "requested"
  end
  if by_capacity then
    causes[#causes + 1] = string.format("sessions >= %.0f%% of capacity", settings.emergency_threshold * 100)
  end
  if by_memory then
    causes[#causes + 1] = string.format("memory >= %d%%", EMERGENCY_MEMORY_PERCENT)
  end
  return {
    idle_ttl = requested and REQUESTED_IDLE_TTL or math.min(timeout, EMERGENCY_IDLE_TTL),
    max_evictions = math.max(batch, active - target),
    emergency = true,
    reason = string.format("emergency: %s (%s), target %d sessions", table.concat(causes, " and "), usage, target),
  }
end
