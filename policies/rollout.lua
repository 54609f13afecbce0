-- rollout.lua: is a session served with persistent sessions?
--
-- Entry: decide(ctx) -> {enabled=bool, reason=string}
-- Order (first match wins):
--   1. master switch USE_PERSISTENT_SESSIONS off -> not enabled (seed 000 feature_rollback
--      turns the feature off by this switch, so it beats every other rule)
--   2. tenant in overrides.force_disabled_tenants -> not enabled (disable wins over enable)
--   3. tenant in overrides.force_enabled_tenants  -> enabled
--   4. bucket(session_id) <= rollout_percentage  -> enabled (seed 001 gradual rollout)
-- bucket() is the host's sticky murmur3 bucket 1..100: the same id always gets the same
-- bucket, so raising the percentage only adds sessions and 0% enables none, 100% all.

local MIN_PERCENTAGE = 0
local MAX_PERCENTAGE = 100

local MASTER_SWITCH_OFF = "persistent sessions disabled by USE_PERSISTENT_SESSIONS"

local function contains(list, value)
  for _, item in ipairs(list or {}) do
    if item == value then
      return true
    end
  end
  return false
end

function decide(ctx)
  local settings = ctx.settings
  if not settings.use_persistent_sessions then
    return { enabled = false, reason = MASTER_SWITCH_OFF }
  end

  local overrides = ctx.overrides or {}
  if contains(overrides.force_disabled_tenants, ctx.tenant_id) then
    return { enabled = false, reason = "tenant " .. ctx.tenant_id .. " is force-disabled" }
  end
  if contains(overrides.force_enabled_tenants, ctx.tenant_id) then
    return { enabled = true, reason = "tenant " .. ctx.tenant_id .. " is force-enabled" }
  end

  -- clamp and floor so a bad value can neither crash the format nor widen the rollout
  local percentage = math.floor(math.max(MIN_PERCENTAGE, math.min(MAX_PERCENTAGE, settings.rollout_percentage)))
  local b = bucket(ctx.session_id)
  if b <= percentage then
    return { enabled = true, reason = string.format("bucket %d <= rollout %d%%", b, percentage) }
  end
  return { enabled = false, reason = string.format("bucket %d > rollout %d%%", b, percentage) }
end
