-- expect: uses 'sorry'
-- at: 3:1
theorem bad : False := sorryAx False
