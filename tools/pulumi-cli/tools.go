//go:build tools

// Package tools pins the Pulumi CLI and its Python language host as Go module
// dependencies, so `go build` can produce them from the Go module proxy alone.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
