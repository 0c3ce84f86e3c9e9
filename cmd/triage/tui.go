package main

import (
	"context"
	"errors"
)

// runTUI opens the live screen on the loaded estate.
func runTUI(ctx context.Context, g *globals) error {
	_, _, err := loadEstate(ctx, g)
	if err != nil {
		return err
	}
	return &exitError{3, errors.New("the screen is not wired yet; use `triage check`")}
}
