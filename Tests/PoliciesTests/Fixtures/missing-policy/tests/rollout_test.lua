function test_needs_the_policy()
  expect_false(decide({ session_id = "s", settings = { use_persistent_sessions = false } }).enabled)
end
