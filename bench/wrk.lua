-- The benchmark's wrk script (bench/client.py runs wrk with it, one
-- connection per wrk thread, so each thread's state is one connection's).
-- Set by the environment:
--   BENCH_VISITORS     a file, one visitor a line: path, cookie, CSRF token,
--                      the sandbox version its page showed (tab-separated)
--   BENCH_CONNECTIONS  how many connections share that file
--   BENCH_POST         POST the "Create product" form there, as the page's
--                      htmx does; otherwise GET each visitor's path
--   BENCH_HTMX         send HX-Request: true
--   BENCH_STATUS       count only answers with this status as done...
--   BENCH_MARKER       ...and with this text in the body
-- done() prints one line, "BENCH {json}", for bench/client.py.

local visitors_file = os.getenv("BENCH_VISITORS")
local post_path = os.getenv("BENCH_POST")
local htmx = os.getenv("BENCH_HTMX")
local want_status = tonumber(os.getenv("BENCH_STATUS") or "")
local marker = os.getenv("BENCH_MARKER")
-- A sandbox starts with 3 example products and holds at most 100: a
-- connection moves to its next visitor before a create would be refused.
local creates_per_sandbox = 97

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  unexpected = 0
  failed = {} -- status -> count, for answers outside 2xx/3xx
  if not visitors_file then
    return
  end
  local all = {}
  for line in io.lines(visitors_file) do
    local path, cookie, token, version = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(%d+)$")
    table.insert(all, {path = path, cookie = cookie, token = token, version = tonumber(version)})
  end
  -- This connection's visitors: lines id, id + connections, id + 2 × connections...
  mine = {}
  for i = id, #all, tonumber(os.getenv("BENCH_CONNECTIONS")) do
    table.insert(mine, all[i])
  end
  if #mine == 0 then
    mine = {all[(id - 1) % #all + 1]}
  end
  current, sent = 1, 0
  local headers = {Cookie = mine[1].cookie, ["HX-Request"] = htmx and "true" or nil}
  fixed = wrk.format("GET", mine[1].path, headers)
end

local function create_post()
  if sent == creates_per_sandbox and current < #mine then
    current, sent = current + 1, 0
  end
  sent = sent + 1
  local visitor = mine[current]
  local body = "csrfmiddlewaretoken=" .. visitor.token
    .. "&product-create-name=Bench+product+" .. id .. "-" .. current .. "-" .. sent
    .. "&product-create-price=9.99&product-create-stock=7"
  return wrk.format("POST", post_path, {
    Cookie = visitor.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["HX-Request"] = "true",
    ["HX-Target"] = "playground",
    ["X-Playground-Version"] = tostring(visitor.version),
  }, body)
end

-- Without a visitors file wrk sends its plain GET of the URL, no Lua involved.
if post_path then
  request = create_post
elseif visitors_file then
  function request()
    return fixed
  end
end

if want_status then
  function response(status, headers, body)
    -- Answers outside 2xx/3xx are wrk's own "status" errors; keep their codes.
    if status >= 400 then
      failed[status] = (failed[status] or 0) + 1
    elseif status >= 200 and status < 400
      and (status ~= want_status or (marker and not body:find(marker, 1, true))) then
      unexpected = unexpected + 1
    end
    -- A full sandbox (409) sends its connection on to its next one: a
    -- connection the others leave room to may make several times their creates.
    if post_path and status == 409 and current < #mine then
      current, sent = current + 1, 0
    end
    -- Like the page, follow the sandbox's version from each answer's poller.
    local version = post_path and body:match('data%-version="(%d+)"')
    if version then
      mine[current].version = tonumber(version)
    end
  end
end

function done(summary, latency, requests)
  local unexpected_total, failed = 0, {}
  for _, thread in ipairs(threads) do
    unexpected_total = unexpected_total + thread:get("unexpected")
    for status, count in pairs(thread:get("failed")) do
      failed[status] = (failed[status] or 0) + count
    end
  end
  local codes = {}
  for status, count in pairs(failed) do
    table.insert(codes, string.format('"%d": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.6f, "bytes": %d, "status_errors": %d, '
      .. '"socket_errors": %d, "unexpected": %d, "p50_ms": %.3f, "p99_ms": %.3f, '
      .. '"failed": {%s}}\n',
    summary.requests, summary.duration / 1e6, summary.bytes, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout, unexpected_total,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, table.concat(codes, ", ")))
end
