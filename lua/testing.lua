-- testing.lua: assertions for policy tests. Loaded into the test sandbox after the policy
-- under test and before the test file. Every function here is defined at load time.
--
-- Failures raise error(text, 2), so the message starts with file:line of the calling test.
-- The runner runs global functions test_* (todo_* are reported as skipped) and expands tables
-- made by cases{} into one test per case, named "<test name>/<case name>".

local MAX_DEPTH = 12

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then
      return ta < tb -- numbers before strings
    end
    if ta == "number" or ta == "string" then
      return a < b
    end
    return tostring(a) < tostring(b)
  end)
  return keys
end

-- an array is a table whose keys are exactly 1..n (the empty table is an empty array)
local function is_array(t)
  local n = 0
  for _ in pairs(t) do
    n = n + 1
  end
  for i = 1, n do
    if t[i] == nil then
      return false
    end
  end
  return true
end

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function repr_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or string.format("\\%03d", c:byte())
  end) .. '"'
end

local function repr_number(x)
  if math.type(x) == "integer" then
    return tostring(x)
  end
  local s = string.format("%.14g", x)
  if tonumber(s) ~= x and x == x then
    s = string.format("%.17g", x) -- show the digits that make two floats differ
  end
  if not s:find("[%.eEn]") then
    s = s .. ".0"
  end
  return s
end

local function key_repr(k)
  if is_identifier(k) then
    return k
  end
  return "[" .. (type(k) == "string" and repr_string(k) or tostring(k)) .. "]"
end

local function repr(v, depth, seen)
  local kind = type(v)
  if kind == "string" then
    return repr_string(v)
  elseif kind == "number" then
    return repr_number(v)
  elseif kind ~= "table" then
    return tostring(v)
  end
  depth, seen = depth or 0, seen or {}
  if seen[v] then
    return "<cycle>"
  end
  if depth >= MAX_DEPTH then
    return "{...}"
  end
  seen[v] = true
  local parts = {}
  if is_array(v) then
    for _, item in ipairs(v) do
      parts[#parts + 1] = repr(item, depth + 1, seen)
    end
  else
    for _, k in ipairs(sorted_keys(v)) do
      parts[#parts + 1] = key_repr(k) .. " = " .. repr(v[k], depth + 1, seen)
    end
  end
  seen[v] = nil
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function path_of(path, k)
  if math.type(k) == "integer" then
    return path .. "[" .. k .. "]"
  elseif is_identifier(k) then
    return path .. "." .. k
  end
  return path .. "[" .. repr(k) .. "]"
end

-- Appends one line per differing field to out. In subset mode, a record (string keys) in
-- expected matches when its fields match; an array (or {}) must have exactly as many items.
local function diff(actual, expected, path, out, subset, depth)
  if type(actual) ~= "table" or type(expected) ~= "table" then
    if actual ~= expected then
      out[#out + 1] = string.format("  %s: expected %s, got %s", path, repr(expected), repr(actual))
    end
    return
  end
  if rawequal(actual, expected) or depth >= MAX_DEPTH then
    return
  end
  for _, k in ipairs(sorted_keys(expected)) do
    local p = path_of(path, k)
    if actual[k] == nil then
      out[#out + 1] = "  " .. p .. ": missing"
    else
      diff(actual[k], expected[k], p, out, subset, depth + 1)
    end
  end
  if not subset or is_array(expected) then
    for _, k in ipairs(sorted_keys(actual)) do
      if expected[k] == nil then
        out[#out + 1] = string.format("  %s: unexpected %s", path_of(path, k), repr(actual[k]))
      end
    end
  end
end

local function fail(what, message, expected, actual, lines)
  local text = { (message and (message .. ": ") or "") .. what }
  text[#text + 1] = "expected: " .. repr(expected)
  text[#text + 1] = "actual: " .. repr(actual)
  for _, line in ipairs(lines or {}) do
    text[#text + 1] = line
  end
  error(table.concat(text, "\n"), 3)
end

local function compare(actual, expected, subset)
  local lines = {}
  diff(actual, expected, "", lines, subset, 0)
  return lines
end

-- expect_eq(actual, expected, message?): deep equality (tables compared field by field).
function expect_eq(actual, expected, message)
  local lines = compare(actual, expected, false)
  if #lines > 0 then
    if type(actual) ~= "table" or type(expected) ~= "table" then
      lines = {}
    end
    fail("values differ", message, expected, actual, lines)
  end
end

-- expect_decision(result, expected_subset): every field of expected_subset matches result
-- (deep); extra fields in result are allowed, but arrays must match in length.
function expect_decision(result, expected_subset, message)
  local lines = compare(result, expected_subset, true)
  if #lines > 0 then
    if type(result) ~= "table" or type(expected_subset) ~= "table" then
      lines = {}
    end
    fail("decision differs", message, expected_subset, result, lines)
  end
end

-- A deep copy of a value, for tests that patch shared inputs (fixtures, templates).
function deep_copy(value)
  if type(value) ~= "table" then
    return value
  end
  local out = {}
  for k, v in pairs(value) do
    out[k] = deep_copy(v)
  end
  return out
end

function expect_true(value, message)
  if value ~= true then
    fail("expected true", message, true, value)
  end
end

function expect_false(value, message)
  if value ~= false then
    fail("expected false", message, false, value)
  end
end

function expect_nil(value, message)
  if value ~= nil then
    fail("expected nil", message, nil, value)
  end
end

-- expect_error(fn, pattern?): fn must raise; the message must match the Lua pattern.
-- Returns the error message.
function expect_error(fn, pattern, message)
  local ok, err = pcall(fn)
  if ok then
    error((message and (message .. ": ") or "") .. "expected an error, but the function returned", 2)
  end
  local text = tostring(err)
  if pattern ~= nil and not text:find(pattern) then
    error(string.format("%serror message does not match pattern %s\nactual: %s",
      message and (message .. ": ") or "", repr(pattern), repr(text)), 2)
  end
  return text
end

-- cases{ {name="a", ...}, {name="b", ...}, run=function(c) ... end }
-- Returns {__cases=<array>, __run=<fn>}; the runner makes one test per case. __run prefixes
-- any failure with the case name; calling the table runs every case and reports all failures.
local CASES_MT = {
  __call = function(self)
    local failures = {}
    for _, c in ipairs(self.__cases) do
      local ok, err = pcall(self.__run, c)
      if not ok then
        failures[#failures + 1] = tostring(err)
      end
    end
    if #failures > 0 then
      error(string.format("%d of %d cases failed:\n%s", #failures, #self.__cases, table.concat(failures, "\n")), 0)
    end
  end,
}

function cases(spec)
  if type(spec) ~= "table" or type(spec.run) ~= "function" then
    error("cases{...} needs a run=function(c) field", 2)
  end
  local list, names = {}, {}
  for index, c in ipairs(spec) do
    if type(c) ~= "table" or type(c.name) ~= "string" or c.name == "" then
      error(string.format("case #%d needs a name", index), 2)
    end
    if names[c.name] then
      error(string.format("duplicate case name %s", repr(c.name)), 2)
    end
    names[c.name] = true
    list[#list + 1] = c
  end
  local run = spec.run
  local function run_case(c)
    local ok, err = pcall(run, c)
    if not ok then
      error(string.format("case %s: %s", repr(c.name), tostring(err)), 0)
    end
  end
  return setmetatable({ __cases = list, __run = run_case }, CASES_MT)
end
