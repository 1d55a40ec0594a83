-- check.lua - the assertion helper of the board tests (put in SPIFFS next to
-- the test script): check(cond, name) prints "ok name" or "not ok name".
function check(cond, name, detail)
  print((cond and "ok " or "not ok ") .. name .. ((not cond and detail) and (" # " .. tostring(detail)) or ""))
end
