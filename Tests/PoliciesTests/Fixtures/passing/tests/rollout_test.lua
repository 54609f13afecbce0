local function ctx(on, percentage)
  return { session_id = "sess-1", settings = { use_persistent_sessions = on, rollout_percentage = percentage } }
end

function test_switch_off()
  expect_eq(decide(ctx(false, 100)), { enabled = false, reason = "off" })
end

test_percentages = cases {
  { name = "0% disables", percentage = 0, want = false },
  { name = "100% enables", percentage = 100, want = true },
  run = function(c)
    expect_eq(decide(ctx(true, c.percentage)).enabled, c.want)
  end,
}
