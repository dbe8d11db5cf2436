package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG for image.DecodeConfig
	_ "image/png"  // registers PNG for image.DecodeConfig
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/durable"
)

// maxImageSide bounds a profile image's width and height (a decompression bomb is refused
// before it is decoded).
const maxImageSide = 4096

var imageName = regexp.MustCompile(`^[0-9a-f-]{36}\.(png|jpg)$`)

// SetProfileImage stores a PNG or JPEG as the principal's profile image in the data dir.
func (s *Service) SetProfileImage(ctx context.Context, p *Principal, ip netip.Addr, data []byte) (User, error) {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	ext, err := s.checkImage(data)
	if err != nil {
		return User{}, err
	}
	if s.cfg.ProfileImageDir == "" {
		return User{}, errors.New("profile images: no folder configured")
	}
	if err := os.MkdirAll(s.cfg.ProfileImageDir, 0o700); err != nil {
		return User{}, fmt.Errorf("profile images: %w", err)
	}
	name := uuid.NewString() + ext
	path := filepath.Join(s.cfg.ProfileImageDir, name)
	if err := durable.WriteFile(path, data, 0o600); err != nil {
		return User{}, err
	}
	var old *string
	var u User
	err = s.db.InTx(ctx, p.Actor(ip), func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT profile_image FROM auth_user WHERE id = $1 FOR UPDATE`, p.User.ID).Scan(&old); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE auth_user SET profile_image = $2 WHERE id = $1`, p.User.ID, name); err != nil {
			return err
		}
		u, err = getUser(ctx, tx, p.User.ID)
		return err
	})
	if err != nil {
		_ = os.Remove(path)
		return User{}, fmt.Errorf("set profile image: %w", err)
	}
	if old != nil && imageName.MatchString(*old) {
		_ = os.Remove(filepath.Join(s.cfg.ProfileImageDir, *old))
	}
	return u, nil
}

func (s *Service) checkImage(data []byte) (string, error) {
	bad := func(msg string) error {
		return apperr.Invalid(apperr.FieldError{Field: "image", Code: apperr.CodeInvalid, Message: msg})
	}
	if int64(len(data)) > s.cfg.MaxProfileImageBytes {
		return "", apperr.Invalid(apperr.FieldError{Field: "image", Code: apperr.CodeTooLong,
			Message: fmt.Sprintf("The image is larger than %d KiB.", s.cfg.MaxProfileImageBytes>>10)})
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return "", bad("Only PNG and JPEG images are accepted.")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxImageSide || cfg.Height > maxImageSide {
		return "", bad(fmt.Sprintf("The image must be at most %d pixels wide and high.", maxImageSide))
	}
	if format == "png" {
		return ".png", nil
	}
	return ".jpg", nil
}

// ProfileImage returns a user's profile image and its content type, or apperr.ErrNotFound.
func (s *Service) ProfileImage(ctx context.Context, userID int64) (string, []byte, error) {
	var name *string
	err := s.db.Pool.QueryRow(ctx, `SELECT profile_image FROM auth_user WHERE id = $1`, userID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && name == nil) {
		return "", nil, apperr.ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("profile image: %w", err)
	}
	if !imageName.MatchString(*name) { // never follow a path from the database
		return "", nil, apperr.ErrNotFound
	}
	data, err := os.ReadFile(filepath.Join(s.cfg.ProfileImageDir, *name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, apperr.ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("profile image: %w", err)
	}
	ct := "image/png"
	if filepath.Ext(*name) == ".jpg" {
		ct = "image/jpeg"
	}
	return ct, data, nil
}
