-- expect: unknown identifier 'Foo'
-- at: 3:15
theorem bad : Foo := True.intro
