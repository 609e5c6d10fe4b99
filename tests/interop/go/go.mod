module github.com/custodia/custodia/tests/interop/go

go 1.19

require github.com/custodia/custodia/bindings/go v0.0.0

replace github.com/custodia/custodia/bindings/go => ../../../bindings/go
