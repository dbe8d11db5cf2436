package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// SettingsFileName is the desktop's own settings file in the data dir.
const SettingsFileName = "desktop.json"

// settings are the desktop's own choices, kept in <data dir>/desktop.json. The clinic's data
// and rules live in PostgreSQL; this file only holds what belongs to this computer's window.
type settings struct {
	LANSharing bool `json:"lan_sharing"`        // serve the clinic's LAN at launch
	LANPort    int  `json:"lan_port,omitempty"` // default DefaultLANPort
}

// settingsFile reads and writes the settings; a missing or unreadable file means defaults.
type settingsFile struct {
	path string
	log  *slog.Logger
	mu   sync.Mutex
}

func (f *settingsFile) load() settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s settings
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return s
	}
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		f.log.Warn("desktop settings unreadable, using defaults", "file", f.path, "err", err)
		return settings{}
	}
	return s
}

// save writes s atomically (a temp file renamed over the old one), readable by this user only.
func (f *settingsFile) save(s settings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".desktop-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("save %s: %w", f.path, err)
	}
	return nil
}
