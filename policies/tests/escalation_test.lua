-- Tests for policies/escalation.lua: audiences per severity, escalation windows (seed 003),
-- acknowledged incidents, periodic updates without spam, rollback actions at most once, and
-- resolution.

local PRIMARY = { "oncall", "incident-commander", "tech-lead", "ops" }
local P1_AUDIENCE = { "oncall", "incident-commander", "tech-lead", "ops", "engineering-manager" }
local EVERYONE = { "oncall", "incident-commander", "tech-lead", "ops", "engineering-manager", "product-manager" }

-- the P1 error-spike incident with top-level fields replaced; metrics/settings patches merge
local function incident(patch)
  local i = fixture("incident_p1_error_spike.json")
  for k, v in pairs(patch or {}) do
    if (k == "metrics" or k == "settings") and type(v) == "table" then
      for mk, mv in pairs(v) do
        i[k][mk] = deep_copy(mv)
      end
    else
      i[k] = deep_copy(v)
    end
  end
  return i
end

-- a quiet incident: healthy metrics, so only notifications are under test
local function quiet(patch)
  local i = incident({ metrics = fixture("metrics_healthy.json") })
  for k, v in pairs(patch) do
    i[k] = v
  end
  return i
end

-- the roles paged, after checking every entry carries the template (and nothing else: where a
-- role is reached is the contacts file's business)
local function targets(notify, template)
  local list = {}
  for _, n in ipairs(notify) do
    expect_eq(n.template, template, "template for " .. tostring(n.role))
    expect_eq(n.target, nil, "roles only, no target")
    expect_eq(n.channel, nil, "roles only, no channel")
    list[#list + 1] = n.role
  end
  return list
end

test_declaration_audience_per_severity = cases {
  { name = "P0 everyone at once", severity = "P0", audience = EVERYONE },
  { name = "P1 primary + engineering-manager", severity = "P1", audience = P1_AUDIENCE },
  { name = "P2 primary", severity = "P2", audience = PRIMARY },
  { name = "P3 oncall only", severity = "P3", audience = { "oncall" } },
  run = function(c)
    local result = escalate(quiet({ severity = c.severity, event = "opened", level = 0 }))
    expect_eq(result.level, 1)
    expect_eq(targets(result.notify, "declaration"), c.audience)
  end,
}

function test_changed_redeclares_to_the_wider_audience()
  local result = escalate(quiet({ severity = "P1", event = "changed", level = 1, elapsed_seconds = 600, since_notified_seconds = 600 }))
  expect_eq(result.level, 1)
  expect_eq(targets(result.notify, "declaration"), P1_AUDIENCE)
end

test_ticks = cases {
  { name = "P1 at 29:59 stays quiet", severity = "P1", elapsed = 1799, since = 1799, level = 1, want_level = 1 },
  { name = "P1 at 30:00 unacknowledged escalates to everyone", severity = "P1", elapsed = 1800, since = 1800, level = 1, want_level = 2, audience = EVERYONE },
  { name = "P1 already escalated is not escalated again", severity = "P1", elapsed = 1830, since = 30, level = 2, want_level = 2 },
  { name = "P2 at 1:59:59 stays quiet", severity = "P2", elapsed = 7199, since = 7199, level = 1, want_level = 1 },
  { name = "P2 at 2:00:00 escalates to engineering-manager", severity = "P2", elapsed = 7200, since = 30, level = 1, want_level = 2, audience = P1_AUDIENCE },
  { name = "P3 before 24 h stays quiet", severity = "P3", elapsed = 86399, since = 86399, level = 1, want_level = 1 },
  { name = "P3 at 24 h escalates to primary", severity = "P3", elapsed = 86400, since = 30, level = 1, want_level = 2, audience = PRIMARY },
  { name = "P0 never escalates", severity = "P0", elapsed = 7200, since = 60, level = 1, want_level = 1 },
  { name = "P0 update every 15 min", severity = "P0", elapsed = 900, since = 900, level = 1, want_level = 1, audience = EVERYONE },
  { name = "acknowledged P1 is not escalated", severity = "P1", elapsed = 3600, since = 60, level = 1, ack = true, want_level = 1 },
  {
    name = "acknowledged P1 still gets its 30 min update",
    severity = "P1", elapsed = 3600, since = 1800, level = 1, ack = true, want_level = 1, audience = P1_AUDIENCE,
  },
  {
    name = "status acknowledged counts as acknowledged",
    severity = "P2", elapsed = 9000, since = 60, level = 1, status = "acknowledged", want_level = 1,
  },
  { name = "escalated P2 updates its widened audience", severity = "P2", elapsed = 14400, since = 7200, level = 2, want_level = 2, audience = P1_AUDIENCE },
  { name = "level 0 on a tick is treated as 1", severity = "P3", elapsed = 60, since = 60, level = 0, want_level = 1 },
  run = function(c)
    local result = escalate(quiet({
      severity = c.severity,
      event = "tick",
      status = c.status or "open",
      elapsed_seconds = c.elapsed,
      since_notified_seconds = c.since,
      acknowledged = c.ack == true,
      level = c.level,
    }))
    expect_eq(result.level, c.want_level)
    if c.audience then
      expect_eq(targets(result.notify, "update"), c.audience)
    else
      expect_eq(result.notify, {}, "a tick with nothing due notifies nobody")
    end
  end,
}

-- Replays 3 hours of 30 s ticks of an unacknowledged P2 the way the host would: it stores the
-- returned level and resets since_notified_seconds whenever something was sent.
function test_three_hours_of_ticks_do_not_spam()
  local level, last_notified, batches = 1, 0, {}
  for now = 30, 3 * 3600, 30 do
    local result = escalate(quiet({
      severity = "P2", event = "tick", level = level,
      elapsed_seconds = now, since_notified_seconds = now - last_notified,
    }))
    level = result.level
    if #result.notify > 0 then
      last_notified = now
      batches[#batches + 1] = now
    end
  end
  expect_eq(batches, { 7200 }, "only the 2 h escalation is sent in 3 h")
  expect_eq(level, 2)
end

function test_resolution_goes_to_everyone_notified()
  local result = escalate(incident({ event = "resolved", status = "resolved", level = 2, elapsed_seconds = 4000 }))
  expect_decision(result, { level = 2, actions = {}, cooldown_seconds = 600 })
  expect_eq(targets(result.notify, "resolution"), EVERYONE)

  local p3 = escalate(quiet({ severity = "P3", event = "resolved", status = "resolved", level = 1 }))
  expect_eq(targets(p3.notify, "resolution"), { "oncall" })
end

function test_resolved_status_on_a_tick_does_nothing()
  expect_eq(escalate(incident({ event = "tick", status = "resolved", level = 1, elapsed_seconds = 99999, since_notified_seconds = 99999 })),
    { level = 1, notify = {}, actions = {} })
end

function test_bad_input_is_an_error()
  expect_error(function() escalate(quiet({ severity = "P9", event = "opened" })) end, "unknown severity P9")
  expect_error(function() escalate(quiet({ severity = "P1", event = "paged" })) end, "unknown event paged")
end

function test_p1_fixture_opened_disables_persistent_sessions()
  local result = escalate(fixture("incident_p1_error_spike.json"))
  expect_decision(result, { level = 1, actions = { { type = "disable_persistent_sessions" } } })
  expect_eq(targets(result.notify, "declaration"), P1_AUDIENCE)
end

-- A resolution is sticky: a person's for longer (they know about it), a recovery's for 10 min
-- so that a flapping condition is not a new page.
test_cooldown_after_resolution = cases {
  { name = "P0 by hand 15 min", severity = "P0", resolution = "manual", want = 900 },
  { name = "P1 by hand 30 min", severity = "P1", resolution = "manual", want = 1800 },
  { name = "P2 by hand 1 h", severity = "P2", resolution = "manual", want = 3600 },
  { name = "P3 by hand 4 h", severity = "P3", resolution = "manual", want = 14400 },
  { name = "P1 recovered 10 min", severity = "P1", resolution = "recovered", want = 600 },
  { name = "P3 recovered 10 min", severity = "P3", resolution = "recovered", want = 600 },
  run = function(c)
    local result = escalate(quiet({ severity = c.severity, event = "resolved", status = "resolved", level = 1, resolution = c.resolution }))
    expect_eq(result.cooldown_seconds, c.want)
  end,
}

-- a declared incident pages like any other but leaves the metric-driven actions to the
-- monitor's incident
function test_a_declared_incident_runs_no_actions()
  local declared = incident({ event = "opened", level = 0, severity = "P0", source = "manual",
    metrics = { reachable = false, error_rate = 0.5, database = { status = "unhealthy" } } })
  local result = escalate(declared)
  expect_eq(result.actions, {})
  expect_eq(targets(result.notify, "declaration"), EVERYONE)
end

function test_only_resolutions_carry_a_cooldown()
  expect_eq(escalate(quiet({ severity = "P1", event = "opened", level = 0 })).cooldown_seconds, nil)
end

function test_p2_slow_fixture_halves_rollout_on_tick()
  expect_decision(escalate(fixture("incident_p2_slow_tick.json")), {
    level = 1,
    notify = {},
    actions = { { type = "set_rollout_percentage", value = 25 } },
  })
end

local HEALTHY = fixture("metrics_healthy.json")
local function metrics(patch)
  local m = deep_copy(HEALTHY)
  for k, v in pairs(patch) do
    m[k] = v
  end
  return m
end
local ROLLOUT_ZERO = { type = "set_rollout_percentage", value = 0 }
local DATABASE_ADVICE = {
  type = "advise",
  text = "check the database (oracle-chat db check); if it fails, restore the last verified backup "
    .. "(oracle-chat db restore), then clear the overrides",
}
local CRISIS_LIMITS = { type = "set_session_limits", max_sessions = 50, timeout = 300, cleanup_interval = 60 }
local HIGH_LIMITS = { type = "set_session_limits", max_sessions = 250, timeout = 1800, cleanup_interval = 300 }

test_actions = cases {
  -- 001 matrix row "Critical System Failure -> Full version rollback"
  {
    name = "matrix: P0 is a full rollback (sessions off, rollout 0, last good policies)",
    severity = "P0", metrics = { reachable = false },
    want = { { type = "disable_persistent_sessions" }, ROLLOUT_ZERO, { type = "reload_last_good_policies" } },
  },
  {
    name = "P0 with sessions already off and rollout 0 only reloads",
    severity = "P0", metrics = { reachable = false }, settings = { use_persistent_sessions = false, rollout_percentage = 0 },
    want = { { type = "reload_last_good_policies" } },
  },
  {
    name = "P0 with a high error rate disables only once",
    severity = "P0", metrics = { error_rate = 0.5 },
    want = { { type = "disable_persistent_sessions" }, ROLLOUT_ZERO, { type = "reload_last_good_policies" } },
  },
  {
    name = "matrix: P0 after an earlier halving still sets the rollout to 0",
    severity = "P0", metrics = { reachable = false }, taken = { "set_rollout_percentage" },
    want = { { type = "disable_persistent_sessions" }, ROLLOUT_ZERO, { type = "reload_last_good_policies" } },
  },
  {
    name = "the full rollback runs once (operator may raise the rollout again)",
    severity = "P0", metrics = { reachable = false }, settings = { use_persistent_sessions = false },
    taken = { "disable_persistent_sessions", "set_rollout_percentage", "reload_last_good_policies" }, want = {},
  },
  -- 001 matrix row "High Error Rate (>10%) -> Disable persistent sessions", at every severity
  { name = "matrix: P1 error rate > 10% disables sessions", severity = "P1", metrics = { error_rate = 0.31 }, want = { { type = "disable_persistent_sessions" } } },
  { name = "matrix: P2 error rate 12% disables sessions", severity = "P2", metrics = { error_rate = 0.12 }, want = { { type = "disable_persistent_sessions" } } },
  { name = "matrix: P3 latency incident with 11% errors disables sessions", severity = "P3", metrics = { error_rate = 0.11 }, want = { { type = "disable_persistent_sessions" } } },
  -- 001 matrix row "Database Problems -> Full rollback + DB restore"
  {
    name = "matrix: database unhealthy is a full rollback and advice to restore",
    severity = "P0", metrics = { database = { status = "unhealthy" } },
    want = { { type = "disable_persistent_sessions" }, ROLLOUT_ZERO, { type = "reload_last_good_policies" }, DATABASE_ADVICE },
  },
  {
    name = "matrix: database degraded is a full rollback and advice to restore",
    severity = "P2", metrics = { database = { status = "degraded" } },
    want = { { type = "disable_persistent_sessions" }, ROLLOUT_ZERO, DATABASE_ADVICE },
  },
  { name = "database advice given once", severity = "P2", metrics = { database = { status = "degraded" } },
    taken = { "disable_persistent_sessions", "set_rollout_percentage", "advise" }, want = {} },
  { name = "P1 error rate exactly 10% does not", severity = "P1", metrics = { error_rate = 0.10, memory = { used_percent = 96 } }, taken = { "emergency_cleanup" }, want = {} },
  { name = "P1 error rate on 5 requests does not", severity = "P1", metrics = { requests = 5, error_rate = 0.9 }, want = {} },
  {
    name = "P1 persistent sessions failing disables sessions",
    severity = "P1", metrics = { persistent_sessions = { enabled = true, failing = true } },
    want = { { type = "disable_persistent_sessions" } },
  },
  { name = "already disabled is not repeated", severity = "P1", metrics = { error_rate = 0.31 }, taken = { "disable_persistent_sessions" }, want = {} },
  -- 001 matrix row "Performance Degradation -> Reduce rollout percentage"
  { name = "matrix: slow average halves the rollout", severity = "P2", metrics = { avg_response_ms = 4200 }, want = { { type = "set_rollout_percentage", value = 25 } } },
  {
    name = "odd rollout rounds down",
    severity = "P2", metrics = { avg_response_ms = 4200 }, settings = { rollout_percentage = 1 },
    want = { { type = "set_rollout_percentage", value = 0 } },
  },
  { name = "3000 ms exactly does not halve", severity = "P2", metrics = { avg_response_ms = 3000 }, want = {} },
  { name = "rollout 0 is not halved", severity = "P2", metrics = { avg_response_ms = 4200 }, settings = { rollout_percentage = 0 }, want = {} },
  { name = "sessions off are not halved", severity = "P2", metrics = { avg_response_ms = 4200 }, settings = { use_persistent_sessions = false }, want = {} },
  { name = "rollout halved only once", severity = "P2", metrics = { avg_response_ms = 4200 }, taken = { "set_rollout_percentage" }, want = {} },
  {
    name = "disabling beats halving",
    severity = "P1", metrics = { error_rate = 0.31, avg_response_ms = 4200 },
    want = { { type = "disable_persistent_sessions" } },
  },
  -- 001 matrix row "Memory Issues -> Adjust session limits"
  { name = "matrix: memory crisis > 95%", severity = "P1", metrics = { memory = { used_percent = 96.7 } }, want = { CRISIS_LIMITS, { type = "emergency_cleanup" } } },
  {
    name = "crisis limits never loosen operator limits",
    severity = "P1", metrics = { memory = { used_percent = 96.7 } },
    settings = { max_persistent_sessions = 40, persistent_session_timeout = 200, cleanup_interval = 30 },
    want = { { type = "set_session_limits", max_sessions = 40, timeout = 200, cleanup_interval = 30 }, { type = "emergency_cleanup" } },
  },
  {
    name = "crisis tightens after the 90-95% limits",
    severity = "P1", metrics = { memory = { used_percent = 96.7 } }, taken = { "set_session_limits" },
    want = { CRISIS_LIMITS, { type = "emergency_cleanup" } },
  },
  { name = "crisis runs once", severity = "P1", metrics = { memory = { used_percent = 97 } }, taken = { "set_session_limits", "emergency_cleanup" }, want = {} },
  { name = "matrix: memory 92% reduces limits", severity = "P2", metrics = { memory = { used_percent = 92 } }, want = { HIGH_LIMITS } },
  { name = "memory 95% is still the 250 limit", severity = "P2", metrics = { memory = { used_percent = 95 } }, want = { HIGH_LIMITS } },
  { name = "memory 90% exactly does nothing", severity = "P2", metrics = { memory = { used_percent = 90 } }, want = {} },
  { name = "90-95% limits only once", severity = "P2", metrics = { memory = { used_percent = 93 } }, taken = { "set_session_limits" }, want = {} },
  { name = "no actions on resolved", severity = "P0", event = "resolved", metrics = { reachable = false, memory = { used_percent = 99 } }, want = {} },
  run = function(c)
    local i = incident({
      severity = c.severity,
      event = c.event or "tick",
      level = 1,
      elapsed_seconds = 60,
      since_notified_seconds = 60,
      metrics = metrics(c.metrics),
      settings = c.settings,
      actions_taken = c.taken or {},
    })
    expect_eq(escalate(i).actions, c.want)
  end,
}
