package diagnoses

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
)

// MaxFavourites is the most codes the clinic's favourites hold (the picker numbers the first nine).
const MaxFavourites = 20

// FavouriteCodes is the clinic's ordered list of favourite codes, as a PUT sends it.
type FavouriteCodes struct {
	Codes []string `json:"codes"`
}

// Validate reports too many codes; each is checked against the list by SetFavourites.
func (p FavouriteCodes) Validate() error {
	var f apperr.Fields
	if p.Codes == nil {
		f.Add("codes", apperr.CodeRequired, "Send the list of codes (it may be empty).")
	}
	if len(p.Codes) > MaxFavourites {
		f.Add("codes", apperr.CodeTooLong, fmt.Sprintf("At most %d favourites.", MaxFavourites))
	}
	return f.Err()
}

// ListFavourites answers the favourites in their order, titles in lang.
func (s *Service) ListFavourites(ctx context.Context, lang i18n.Lang) (ICD10List, error) {
	return listFavourites(ctx, s.db.Pool, lang)
}

func listFavourites(ctx context.Context, q db.Querier, lang i18n.Lang) (ICD10List, error) {
	items, err := db.QueryAll(ctx, q, scanCode, `SELECT c.code, `+titleSQL+`, c.chapter
		  FROM core_diagnosisfavourite f JOIN core_icd10code c ON c.code = f.code
		 ORDER BY f.position, f.id`, string(lang))
	if err != nil {

		return ICD10List{}, fmt.Errorf("favourites: %w", err)
	}
	return ICD10List{Items: items}, nil
}

// SetFavourites replaces the favourites by p.Codes, in that order (unknown or repeated codes:
// 422 naming each).
func (s *Service) SetFavourites(ctx context.Context, actor db.Actor, lang i18n.Lang, p FavouriteCodes) (ICD10List, error) {
	if err := p.Validate(); err != nil {
		return ICD10List{}, err
	}
	var out ICD10List
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var f apperr.Fields
		codes := make([]string, 0, len(p.Codes))
		seen := map[string]bool{}
		for i, raw := range p.Codes {
			field := fmt.Sprintf("codes.%d", i)
			c := NormalizeCode(raw)
			if seen[c] {
				f.Add(field, apperr.CodeDuplicate, "This code is already in the list.")
				continue
			}
			seen[c] = true
			if _, err := knownCode(ctx, tx, c); err != nil {
				if apperr.KindOf(err) != apperr.ErrInvalid {
					return err
				}
				f.Add(field, apperr.CodeInvalid, noSuchCode)
				continue
			}
			codes = append(codes, c)
		}
		if err := f.Err(); err != nil {
			return err
		}
		// Rows whose code stays keep their id (the audit shows a move, not a removal).
		if _, err := tx.Exec(ctx, `DELETE FROM core_diagnosisfavourite WHERE code <> ALL($1::text[])`, codes); err != nil {
			return err
		}
		for i, c := range codes {
			if _, err := tx.Exec(ctx, `INSERT INTO core_diagnosisfavourite (code, position) VALUES ($1, $2)
				ON CONFLICT (code) DO UPDATE SET position = EXCLUDED.position WHERE core_diagnosisfavourite.position <> EXCLUDED.position`,
				c, i+1); err != nil {
				return err
			}
		}
		var err error
		out, err = listFavourites(ctx, tx, lang)
		return err
	})
	return out, err
}
