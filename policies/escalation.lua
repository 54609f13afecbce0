-- escalation.lua: who hears about an incident, when, and which rollback actions run.
--
-- Entry: escalate(i) -> {level=int, notify={{role, template}...}, actions={...}, cooldown_seconds=int}
-- Roles only: the contacts file (CONTACTS_FILE) says where each role is reached, and the host
-- sends one page per destination however many of its roles are named here.
-- Audiences (seed 000 emergency_contacts: primary always, secondary for critical;
-- seed 000 "Escalation" per level):
--   P0 everyone at once, P1 primary + engineering-manager, P2 primary, P3 oncall only.
-- Level 1 is the declared audience. Level 2 (escalated) is the audience of the next worse
-- severity: P3 -> primary, P2 -> + engineering-manager, P1 -> + product-manager (everyone).
-- P0 already reaches everyone, so it never escalates.
-- Escalation (seed 003): an unacknowledged incident is escalated once, when
-- elapsed_seconds >= ESCALATE_AFTER[severity]; P3 uses seed 004's 24 h response target.
-- Periodic updates: when since_notified_seconds >= UPDATE_EVERY[severity]; otherwise a tick
-- notifies nobody (ticks come every 30 s).
-- Actions: seed 001's Rollback Decision Matrix, row by row, whatever the severity (each row a
-- test in tests/escalation_test.lua):
--   Critical System Failure (P0)  -> full rollback: sessions off, rollout 0, last good policies
--   High Error Rate (> 10%)       -> disable persistent sessions
--   Performance Degradation       -> halve the rollout percentage (avg > 3000 ms)
--   Memory Issues                 -> adjust session limits (> 90%; > 95% crisis + cleanup)
--   Database Problems             -> full rollback + advice to restore (a person's step)
-- Declared incidents (source "manual") get pages, never these actions. They run at most once
-- per incident; actions_taken lists the types already executed. The one
-- exception is the memory crisis, which may tighten session limits a second time (see
-- plan_actions). This file alone keeps that rule: the host carries out every action returned.
-- Sticky resolution: cooldown_seconds on "resolved" keeps the same condition (or a milder one)
-- from opening a new incident for that long; a worse one reopens it. A person's resolution
-- holds longer (they know); a recovery holds RECOVERED_COOLDOWN so a flap is not a new page.

local PRIMARY = { "oncall", "incident-commander", "tech-lead", "ops" }
local ENGINEERING_MANAGER = "engineering-manager"
local PRODUCT_MANAGER = "product-manager"

local function with(list, extras)
  local out = table.move(list, 1, #list, 1, {})
  return table.move(extras, 1, #extras, #out + 1, out)
end

local AUDIENCE = {
  P0 = with(PRIMARY, { ENGINEERING_MANAGER, PRODUCT_MANAGER }),
  P1 = with(PRIMARY, { ENGINEERING_MANAGER }),
  P2 = PRIMARY,
  P3 = { "oncall" },
}
local ESCALATES_TO = { P0 = "P0", P1 = "P0", P2 = "P1", P3 = "P2" }
local MAX_LEVEL = 2

local MINUTE, HOUR = 60, 3600
-- seed 003: SEV-1 escalate after 30 minutes, SEV-2 after 2 hours; seed 004: P3 target 24 h
local ESCALATE_AFTER = { P1 = 30 * MINUTE, P2 = 2 * HOUR, P3 = 24 * HOUR }
-- status update cadence (seed 000 templates carry "Next Update"); P0 matches 004's 15 min
local UPDATE_EVERY = { P0 = 15 * MINUTE, P1 = 30 * MINUTE, P2 = 2 * HOUR, P3 = 24 * HOUR }

local COOLDOWN_AFTER_MANUAL = { P0 = 15 * MINUTE, P1 = 30 * MINUTE, P2 = HOUR, P3 = 4 * HOUR }
local RECOVERED_COOLDOWN = 10 * MINUTE

-- same sample-size guard as severity.lua
local MIN_REQUESTS = 10
local HIGH_ERROR_RATE = 0.10     -- 001 matrix: "High Error Rate (>10%)" -> disable sessions
local SLOW_AVG_MS = 3000         -- 001 performance_response: avg > 3000 ms -> halve rollout
local MEMORY_HIGH_PERCENT = 90   -- 001 performance_response: memory > 90 -> 250 / 1800 s
local MEMORY_CRISIS_PERCENT = 95 -- 000 memory_crisis (P1 memory > 95%) -> 50 / 300 s / 60 s
local HIGH_LIMITS = { max_sessions = 250, timeout = 1800 }
local DATABASE_ADVICE = "check the database (oracle-chat db check); if it fails, restore the last verified backup "
  .. "(oracle-chat db restore), then clear the overrides"
local CRISIS_LIMITS = { max_sessions = 50, timeout = 300, cleanup_interval = 60 }

local function audience(severity, level)
  if level >= MAX_LEVEL then
    return AUDIENCE[ESCALATES_TO[severity]]
  end
  return AUDIENCE[severity]
end

local function notifications(roles, template)
  local out = {}
  for _, role in ipairs(roles) do
    out[#out + 1] = { role = role, template = template }
  end
  return out
end

-- Limits only ever tighten: never raise a limit an operator already set lower.
local function session_limits(settings, max_sessions, timeout, cleanup_interval)
  return {
    type = "set_session_limits",
    max_sessions = math.min(max_sessions, settings.max_persistent_sessions or max_sessions),
    timeout = math.min(timeout, settings.persistent_session_timeout or timeout),
    cleanup_interval = math.min(cleanup_interval, settings.cleanup_interval or cleanup_interval),
  }
end

local function plan_actions(i)
  local m = i.metrics or {}
  local settings = i.settings or {}
  local taken = {}
  for _, kind in ipairs(i.actions_taken or {}) do
    taken[kind] = true
  end
  -- what had run before this call (add() marks `taken` as it adds)
  local ran = {}
  for _, kind in ipairs(i.actions_taken or {}) do
    ran[kind] = true
  end
  local actions = {}
  local function add(action)
    if not taken[action.type] then
      taken[action.type] = true
      actions[#actions + 1] = action
    end
  end

  local severity = i.severity
  local sessions_on = settings.use_persistent_sessions == true
  local rollout = settings.rollout_percentage or 0
  local enough_traffic = (m.requests or 0) >= MIN_REQUESTS
  local error_rate = enough_traffic and m.error_rate or 0
  local avg_ms = enough_traffic and m.avg_response_ms or 0
  local memory = (m.memory or {}).used_percent or 0
  local failing = (m.persistent_sessions or {}).failing == true
  local database = (m.database or {}).status

  -- the seed's emergency safe configuration (000 critical_response): sessions off, rollout 0.
  -- `done` names the action that marks this rollback as carried out; until then rollout 0 is
  -- set even if an earlier row already halved the rollout (same action type).
  local rolled_back = false
  local function full_rollback(done)
    if sessions_on then
      add({ type = "disable_persistent_sessions" })
    end
    if rollout > 0 and not ran[done] and not rolled_back then
      rolled_back = true
      taken.set_rollout_percentage = true
      actions[#actions + 1] = { type = "set_rollout_percentage", value = 0 }
    end
  end

  -- 001 matrix "Critical System Failure": full version rollback
  if severity == "P0" then
    full_rollback("reload_last_good_policies")
    add({ type = "reload_last_good_policies" })
  end

  -- 001 matrix "Database Problems": full rollback + DB restore (restoring needs a person)
  if database == "unhealthy" or database == "degraded" then
    full_rollback("advise")
    add({ type = "advise", text = DATABASE_ADVICE })
  end

  -- 001 matrix "High Error Rate (>10%)" at any severity; 000 session_failure_response
  if sessions_on and (error_rate > HIGH_ERROR_RATE or failing) then
    add({ type = "disable_persistent_sessions" })
  end

  -- 001 matrix "Performance Degradation": halve the rollout, unless sessions are being disabled
  if avg_ms > SLOW_AVG_MS and sessions_on and rollout > 0 and not taken.disable_persistent_sessions then
    add({ type = "set_rollout_percentage", value = math.floor(rollout / 2) })
  end

  -- 001 matrix "Memory Issues": adjust session limits. The crisis tightens further even if the
  -- 90-95% limits were already applied; emergency_cleanup marks that it ran.
  if memory > MEMORY_CRISIS_PERCENT then
    if not taken.emergency_cleanup then
      taken.set_session_limits = false
      add(session_limits(settings, CRISIS_LIMITS.max_sessions, CRISIS_LIMITS.timeout, CRISIS_LIMITS.cleanup_interval))
      add({ type = "emergency_cleanup" })
    end
  elseif memory > MEMORY_HIGH_PERCENT then
    local interval = settings.cleanup_interval or CRISIS_LIMITS.cleanup_interval
    add(session_limits(settings, HIGH_LIMITS.max_sessions, HIGH_LIMITS.timeout, interval))
  end

  return actions
end

function escalate(i)
  local severity = i.severity
  if AUDIENCE[severity] == nil then
    error("unknown severity " .. tostring(severity), 2)
  end
  local level = math.max(i.level or 0, 1)
  local event = i.event

  if event == "resolved" then
    local cooldown = RECOVERED_COOLDOWN
    if i.resolution == "manual" then
      cooldown = COOLDOWN_AFTER_MANUAL[severity]
    end
    return {
      level = level,
      notify = notifications(audience(severity, level), "resolution"),
      actions = {},
      cooldown_seconds = cooldown,
    }
  end
  if event ~= "opened" and event ~= "changed" and event ~= "tick" then
    error("unknown event " .. tostring(event), 2)
  end
  if i.status == "resolved" then
    return { level = level, notify = {}, actions = {} }
  end

  -- A declared incident is a person's: the metric-driven rows stay with the monitor's own
  -- incident (one set of actions for one condition, not one per open declaration).
  local actions = {}
  if i.source ~= "manual" then
    actions = plan_actions(i)
  end

  -- opened, or severity got worse: declare to the new severity's audience at level 1
  if event ~= "tick" then
    return { level = 1, notify = notifications(AUDIENCE[severity], "declaration"), actions = actions }
  end

  local acknowledged = i.acknowledged == true or i.status == "acknowledged"
  local window = ESCALATE_AFTER[severity]
  if not acknowledged and window and level < MAX_LEVEL and i.elapsed_seconds >= window then
    return { level = level + 1, notify = notifications(audience(severity, level + 1), "update"), actions = actions }
  end
  if i.since_notified_seconds >= UPDATE_EVERY[severity] then
    return { level = level, notify = notifications(audience(severity, level), "update"), actions = actions }
  end
  return { level = level, notify = {}, actions = actions }
end
