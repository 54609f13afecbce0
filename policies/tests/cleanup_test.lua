-- Tests for policies/cleanup.lua: normal plan vs emergency by capacity and by memory, the
-- eviction target, the 300 s emergency TTL, an operator's requested emergency (TTL 0), an
-- unreadable memory reading, and capacity 0.

-- seed 001 defaults: PERSISTENT_SESSION_TIMEOUT=3600, CLEANUP_BATCH_SIZE=50,
-- EMERGENCY_CLEANUP_THRESHOLD=0.95, MAX_PERSISTENT_SESSIONS=500
local function state(active, memory, capacity, settings)
  return {
    now = 1718093553,
    active = active,
    capacity = capacity or 500,
    -- used_percent is what the rules read; the process's RSS and the cache's bytes are there too
    memory = { used_percent = memory, process_rss_bytes = 188743680, cache_bytes = active * 24000 },
    emergency_requested = false,
    settings = settings or { timeout = 3600, batch_size = 50, emergency_threshold = 0.95 },
  }
end

local function requested(active, memory, capacity, settings)
  local s = state(active, memory, capacity, settings)
  s.emergency_requested = true
  return s
end

test_normal_and_emergency = cases {
  {
    name = "normal plan comes from settings",
    input = state(120, 52.4),
    want = { idle_ttl = 3600, max_evictions = 50, emergency = false, reason = "normal: 120/500 sessions, memory 52.4%" },
  },
  {
    name = "474 of 500 is below 95% of capacity",
    input = state(474, 60),
    want = { idle_ttl = 3600, max_evictions = 50, emergency = false },
  },
  {
    name = "475 of 500 reaches 95% of capacity",
    input = state(475, 60),
    want = {
      idle_ttl = 300,
      max_evictions = 225, -- down to 50% of capacity = 250 sessions
      emergency = true,
      reason = "emergency: sessions >= 95% of capacity (475/500 sessions, memory 60.0%), target 250 sessions",
    },
  },
  {
    name = "memory 89.9% is normal",
    input = state(300, 89.9),
    want = { idle_ttl = 3600, max_evictions = 50, emergency = false },
  },
  {
    name = "memory 90% is an emergency",
    input = state(400, 90),
    want = {
      idle_ttl = 300,
      max_evictions = 150,
      emergency = true,
      reason = "emergency: memory >= 90% (400/500 sessions, memory 90.0%), target 250 sessions",
    },
  },
  {
    name = "memory emergency below target still evicts a batch",
    input = state(100, 93),
    want = { idle_ttl = 300, max_evictions = 50, emergency = true },
  },
  {
    name = "both causes are named",
    input = state(500, 97),
    want = {
      max_evictions = 250,
      emergency = true,
      reason = "emergency: sessions >= 95% of capacity and memory >= 90% (500/500 sessions, memory 97.0%), target 250 sessions",
    },
  },
  {
    name = "emergency never lengthens a shorter timeout",
    input = state(480, 50, 500, { timeout = 120, batch_size = 50, emergency_threshold = 0.95 }),
    want = { idle_ttl = 120, emergency = true },
  },
  {
    name = "batch size 0 evicts nothing in normal mode",
    input = state(10, 40, 500, { timeout = 3600, batch_size = 0, emergency_threshold = 0.95 }),
    want = { max_evictions = 0, emergency = false },
  },
  run = function(c)
    expect_decision(plan(c.input), c.want)
  end,
}

test_capacity_zero = cases {
  {
    name = "capacity 0 with low memory is normal, not a division by zero",
    input = state(10, 50, 0),
    want = { idle_ttl = 3600, max_evictions = 50, emergency = false, reason = "normal: 10/0 sessions, memory 50.0%" },
  },
  {
    name = "capacity 0 with high memory targets an empty cache",
    input = state(80, 95, 0),
    want = { idle_ttl = 300, max_evictions = 80, emergency = true },
  },
  run = function(c)
    expect_decision(plan(c.input), c.want)
  end,
}

test_requested_emergency = cases {
  {
    name = "a request with a quiet cache still evicts a batch, regardless of recency",
    input = requested(10, 40),
    want = {
      idle_ttl = 0,
      max_evictions = 50,
      emergency = true,
      reason = "emergency: requested (10/500 sessions, memory 40.0%), target 250 sessions",
    },
  },
  {
    name = "a request evicts down to the target",
    input = requested(400, 40),
    want = { idle_ttl = 0, max_evictions = 150, emergency = true },
  },
  {
    name = "a request names the other causes too",
    input = requested(480, 95),
    want = {
      idle_ttl = 0,
      max_evictions = 230,
      reason = "emergency: requested and sessions >= 95% of capacity and memory >= 90% (480/500 sessions, memory 95.0%), target 250 sessions",
    },
  },
  {
    name = "a request with capacity 0 targets an empty cache",
    input = requested(80, 40, 0),
    want = { idle_ttl = 0, max_evictions = 80, emergency = true },
  },
  {
    name = "a request with batch size 0 still evicts down to the target",
    input = requested(300, 40, 500, { timeout = 3600, batch_size = 0, emergency_threshold = 0.95 }),
    want = { idle_ttl = 0, max_evictions = 50, emergency = true },
  },
  run = function(c)
    expect_decision(plan(c.input), c.want)
  end,
}

test_memory_reading = cases {
  {
    name = "process RSS is not what the memory rule reads",
    input = (function()
      local s = state(100, 40)
      s.memory.process_rss_bytes = 64 * 1024 * 1024 * 1024
      return s
    end)(),
    want = { idle_ttl = 3600, emergency = false },
  },
  {
    name = "an unreadable memory reading is no emergency",
    input = state(100, nil),
    want = { idle_ttl = 3600, max_evictions = 50, emergency = false, reason = "normal: 100/500 sessions, memory unknown" },
  },
  {
    name = "an input without a memory table (a hand-written one) is no emergency",
    input = (function()
      local s = state(100, 99)
      s.memory = nil
      return s
    end)(),
    want = { emergency = false },
  },
  run = function(c)
    expect_decision(plan(c.input), c.want)
  end,
}

function test_outputs_are_integers()
  local result = plan(state(475, 60))
  expect_eq(math.type(result.idle_ttl), "integer")
  expect_eq(math.type(result.max_evictions), "integer")
  expect_true(result.max_evictions >= 0)
end
