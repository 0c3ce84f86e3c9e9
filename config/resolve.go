package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LocalFile is the config read from the working directory when --config is not given.
const LocalFile = "triage.yaml"

// SearchPaths lists, in order, the files looked for when --config is not
// given: ./triage.yaml, then $XDG_CONFIG_HOME/triage/config.yaml (with
// XDG_CONFIG_HOME defaulting to ~/.config).
func SearchPaths() []string {
	paths := []string{LocalFile}
	if dir := xdgConfigHome(); dir != "" {
		paths = append(paths, filepath.Join(dir, "triage", "config.yaml"))
	}
	return paths
}

// xdgConfigHome is $XDG_CONFIG_HOME when absolute (the XDG spec says to
// ignore a relative one), else ~/.config, else "".
func xdgConfigHome() string {
	if dir := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, ".config")
}

// Resolve returns the config file to load (docs/config.md): flagPath when given,
// else the first of SearchPaths that exists, else "" for the built-in default.
// It fails when a candidate exists but cannot be examined or is a directory.
func Resolve(flagPath string) (path string, err error) {
	if flagPath != "" {
		return flagPath, nil
	}
	for _, p := range SearchPaths() {
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return "", fmt.Errorf("look for config: %w", err)
		case st.IsDir():
			return "", fmt.Errorf("config %s is a directory", p)
		}
		return p, nil
	}
	return "", nil
}

// LoadAuto loads the config in the order of docs/config.md: --config FILE,
// ./triage.yaml, $XDG_CONFIG_HOME/triage/config.yaml, else the built-in
// default (Default), validated against the kinds in ks.
func LoadAuto(flagPath string, ks Kinds) (*Config, error) {
	path, err := Resolve(flagPath)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return Default(context.Background(), ks), nil
	}
	return Load(path, ks)
}
