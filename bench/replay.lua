-- replay.lua: wrk replays a bench request file (bench/gen --requests).
--
-- One request per line: METHOD <TAB> PATH [<TAB> BODY [<TAB> Header: value]...], as
-- bench/lat reads them. Each wrk thread takes every n-th line (its own share) and sends
-- them in order, wrapping around at the end, so that consecutive requests touch
-- different records and writes (creates, stage moves with If-Match) are not repeated
-- within a run. Run k of K starts k/K of the way into the share, so repeated runs do not
-- replay the same writes either. The headers given to wrk with -H are added to each line.
--
-- usage: wrk -tTHREADS ... -s bench/replay.lua URL -- FILE THREADS [RUN RUNS]

local nthreads = 0

function setup(thread)
  thread:set("thread_no", nthreads)
  nthreads = nthreads + 1
end

local function split(line)
  local parts, start = {}, 1
  while true do
    local tab = string.find(line, "\t", start, true)
    if not tab then parts[#parts + 1] = string.sub(line, start); return parts end
    parts[#parts + 1] = string.sub(line, start, tab - 1)
    start = tab + 1
  end
end

local reqs, pos = {}, 0

function init(args)
  -- each thread has its own Lua state: the thread count comes as an argument
  local file, share = args[1], tonumber(args[2] or 1)
  local run, runs = tonumber(args[3] or 1), tonumber(args[4] or 1)
  local i = 0
  for line in io.lines(file) do
    if i % share == thread_no then
      local p = split(line)
      local headers = {}
      for k, v in pairs(wrk.headers) do headers[k] = v end
      local body = nil
      if p[3] and p[3] ~= "" then
        body = p[3]
        headers["Content-Type"] = "application/json"
      end
      for j = 4, #p do
        local name, value = string.match(p[j], "^([^:]+):%s*(.*)$")
        if name then headers[name] = value end
      end
      reqs[#reqs + 1] = wrk.format(p[1], p[2], headers, body)
    end
    i = i + 1
  end
  if #reqs == 0 then error("replay.lua: no requests for this thread in " .. file) end
  pos = math.floor((run - 1) * #reqs / runs)
end

function request()
  pos = pos + 1
  if pos > #reqs then pos = 1 end
  return reqs[pos]
end
