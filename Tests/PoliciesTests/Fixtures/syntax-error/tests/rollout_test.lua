function test_fine()
  expect_eq(1, 1)
end

function test_broken(
  expect_eq(1, 1)
end
