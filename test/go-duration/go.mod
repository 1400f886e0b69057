module example.invalid/go-duration

go 1.22
