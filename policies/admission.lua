-- admission.lua: is a request served now, or refused with 429 and Retry-After?
--
-- Entry: admit(req) -> {allow=bool, reason=string, retry_after_seconds=int?}
-- The host keeps each tenant's sliding windows and gives, per limit (rpm, tpm, tpd), what was
-- used, the tenant's limit from TENANT_LIMITS (absent: none) and the seconds until this
-- request would fit. Rules:
--   1. every limit the request would exceed is a reason to refuse: one more request over
--      rpm, used + estimated_prompt_tokens over tpm or tpd
--   2. the reason names the first exceeded in the order rpm, tpm, tpd ("tpm: ..."), and
--      retry_after_seconds is the longest wait among the exceeded ones, so a retry then fits
--      under all of them
--   3. otherwise admit; a tenant without limits is always admitted
-- The host counts only admitted requests, so a refused retry storm does not extend the wait.

local LIMITS = {
  { key = "rpm", unit = "requests per minute", window = 60 },
  { key = "tpm", unit = "tokens per minute", window = 60 },
  { key = "tpd", unit = "tokens per day", window = 86400 },
}

local function need_of(key, req)
  if key == "rpm" then
    return 1
  end
  return req.estimated_prompt_tokens
end

function admit(req)
  local usage = req.usage or {}
  local first, wait = nil, 0
  for _, limit in ipairs(LIMITS) do
    local window = usage[limit.key]
    if window and window.limit then
      local need = need_of(limit.key, req)
      if window.used + need > window.limit then
        local retry = window.retry_after_seconds or limit.window
        if not first then
          first = string.format("%s: tenant %s used %d of %d %s, this request needs %d",
            limit.key, req.tenant, window.used, window.limit, limit.unit, need)
        end
        wait = math.max(wait, retry)
      end
    end
  end
  if first then
    return { allow = false, reason = first, retry_after_seconds = math.max(1, wait) }
  end
  return { allow = true, reason = "within limits" }
end
