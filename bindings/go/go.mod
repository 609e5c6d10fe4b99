module github.com/custodia/custodia/bindings/go

go 1.19
