module wasmsandbox.test/corpus/timewalk

go 1.23
