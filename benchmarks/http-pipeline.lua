-- wrk script: sends DEPTH (default 16) GET /plaintext requests in one write, HTTP/1.1 pipelining.
-- Usage: wrk -s benchmarks/http-pipeline.lua http://127.0.0.1:8080/plaintext -- 16
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/plaintext")
  end
  req = table.concat(r)
end

request = function()
  return req
end
