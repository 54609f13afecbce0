function test_switch_off()
  expect_false(decide({ session_id = "s", settings = { use_persistent_sessions = false } }).enabled)
end

function todo_bucket_boundary()
  error("not written yet")
end
