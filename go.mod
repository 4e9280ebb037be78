module github.com/jakelu/jakelu

go 1.26.0

require golang.org/x/net v0.62.0

require golang.org/x/text v0.44.0 // indirect
