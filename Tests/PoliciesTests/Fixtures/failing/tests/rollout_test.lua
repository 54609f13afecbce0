local function ctx(on, percentage)
  return { session_id = "sess-1", settings = { use_persistent_sessions = on, rollout_percentage = percentage } }
end

function test_passes()
  expect_eq(decide(ctx(false, 0)).enabled, false)
end

function test_wrong_reason()
  expect_eq(decide(ctx(false, 100)), { enabled = false, reason = "disabled" })
end

test_cases = cases {
  { name = "all enabled", percentage = 100, want = true },
  { name = "bad <case> & \"quoted\"", percentage = 0, want = true },
  run = function(c)
    expect_eq(decide(ctx(true, c.percentage)).enabled, c.want)
  end,
}
