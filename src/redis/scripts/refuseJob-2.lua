--[[
  Settles an enqueue whose reply was lost (timed out, connection dropped): the job if it exists;
  else the id is marked refused, so that enqueue, should it still arrive, creates nothing
  (enqueueJob checks the mark first). After this call the gateway's answer is the truth.
  Input:
    KEYS[1] the job's hash
    KEYS[2] the job id's refusal mark
    ARGV[1] lifetime of the mark (ms): longer than any command can wait in a connection
  Output:
    the job's hash as field/value pairs; {} when it does not exist (and now never will)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return {}
