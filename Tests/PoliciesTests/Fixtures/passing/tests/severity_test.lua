function test_unreachable_is_p0()
  expect_eq(classify({ reachable = false }).severity, "P0")
end

function test_healthy_has_no_severity()
  expect_eq(classify({ reachable = true }), { reasons = {} })
end
