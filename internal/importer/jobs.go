package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// Jobs runs the spreadsheet imports (and their dry runs) started from the UI in the
// background, one at a time, and tells their progress: the upload answers at once with the
// job, the page reads its progress (rows read of the file's rows) and then its result. Each
// job is a core_importjob row written outside the import's transaction, so that an import a
// restart cut short (its transaction rolled back: nothing of it kept) shows as interrupted.
type Jobs struct {
	d   *db.DB
	log *slog.Logger

	busy sync.Mutex // held while a job runs

	mu  sync.Mutex
	cur *JobStatus // the latest job this process ran
}

// JobStatus is a spreadsheet import's progress, then its outcome.
type JobStatus struct {
	ID       int64  `json:"id"`
	State    string `json:"state" enum:"idle,running,done,failed,interrupted"`
	Kind     string `json:"kind,omitempty"`
	FileName string `json:"file_name,omitempty"`
	DryRun   bool   `json:"dry_run"`
	// Phase: counting the file's rows, then reading and importing them, then committing.
	Phase      string     `json:"phase,omitempty" enum:"counting,importing,finishing"`
	RowsDone   int        `json:"rows_done"`
	RowsTotal  int        `json:"rows_total"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	// Result is the report of a job done, while this process runs.
	Result *SheetResult `json:"result,omitempty"`
}

// SheetResult is a spreadsheet import's report, and the refused rows as a CSV file (each with
// its reason) for the user to correct; the file is left out above MaxRefusedCSV.
type SheetResult struct {
	SheetReport
	RefusedCSV string `json:"refused_csv"`
}

// MaxRefusedCSV bounds the refused rows file given back inline.
const MaxRefusedCSV = 8 << 20

// Result returns the report with its refused rows file.
func (r *SheetReport) Result() (SheetResult, error) {
	out := SheetResult{SheetReport: *r}
	if len(r.Refused) == 0 {
		return out, nil
	}
	var buf bytes.Buffer
	if err := r.WriteRefused(&buf); err != nil {
		return out, err
	}
	if buf.Len() <= MaxRefusedCSV {
		out.RefusedCSV = buf.String()
	}
	return out, nil
}

// interrupted is what a job cut short by a stop says.
const interrupted = "Chelal stopped during this import: its transaction was rolled back and nothing of it was kept. Import the file again."

// failedInternally is what a job that failed for a reason other than its file says.
const failedInternally = "Chelal could not finish it (the server's log says why); nothing of it was kept. Try again, and tell your administrator if it fails again."

// NewJobs returns the jobs of d, marking the jobs a previous run of Chelal left running as
// interrupted (one Chelal serves a database); a failure to mark them is logged.
func NewJobs(ctx context.Context, d *db.DB, log *slog.Logger) *Jobs {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	err := d.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE core_importjob SET state = 'interrupted', error = $1, finished_at = now() WHERE state = 'running'`, interrupted)
		return err
	})
	if err != nil {
		log.Error("mark interrupted imports", "err", err)
	}
	return &Jobs{d: d, log: log}
}

// Start checks the file's header and mapping at once (the errors a synchronous import gave:
// a bad option, an unreadable file, a missing column), then runs the import of the file in
// the background and returns its job. body is copied to a temporary file first: the job
// reads it twice (counting its rows, then importing them). A second import while one runs is
// a conflict.
func (j *Jobs) Start(ctx context.Context, actor db.Actor, body io.Reader, o SheetOptions) (JobStatus, error) {
	if err := o.Validate(); err != nil {
		return JobStatus{}, err
	}
	if !j.busy.TryLock() {
		return JobStatus{}, apperr.New(apperr.ErrConflict, "An import is already running: wait for it to finish, then try again.").WithCode("import-running")
	}
	st, err := j.start(ctx, actor, body, o)
	if err != nil {
		j.busy.Unlock()
		return JobStatus{}, err
	}
	return st, nil
}

func (j *Jobs) start(ctx context.Context, actor db.Actor, body io.Reader, o SheetOptions) (JobStatus, error) {
	f, err := os.CreateTemp("", "chelal-import-*")
	if err != nil {
		return JobStatus{}, fmt.Errorf("keep the uploaded file: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := io.Copy(f, body); err != nil {
		return JobStatus{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return JobStatus{}, err
	}
	im, err := prepareSheet(ctx, j.d, f, o)
	if err != nil {
		return JobStatus{}, err
	}
	_ = im.sh.Close()
	now := time.Now().UTC()
	st := JobStatus{State: "running", Kind: o.Kind, FileName: o.FileName, DryRun: o.DryRun, Phase: "counting", StartedAt: &now}
	err = j.d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO core_importjob (kind, file_name, dry_run, created_by, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			o.Kind, o.FileName, o.DryRun, nullID(actor.UserID), now).Scan(&st.ID)
	})
	if err != nil {
		return JobStatus{}, fmt.Errorf("record the import job: %w", err)
	}
	j.mu.Lock()
	j.cur = &st
	j.mu.Unlock()
	ok = true
	j.log.Info("import started", "job", st.ID, "kind", o.Kind, "file", o.FileName, "dry_run", o.DryRun)
	go j.run(st.ID, actor, f, o)
	return st, nil
}

func (j *Jobs) update(id int64, fn func(*JobStatus)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cur != nil && j.cur.ID == id {
		fn(j.cur)
	}
}

// run counts the file's rows, imports it, and records the outcome.
func (j *Jobs) run(id int64, actor db.Actor, f *os.File, o SheetOptions) {
	defer j.busy.Unlock()
	defer os.Remove(f.Name())
	defer f.Close()
	ctx := context.Background()
	rep, err := j.importFile(ctx, id, actor, f, o)
	var res *SheetResult
	if err == nil {
		var r SheetResult
		if r, err = rep.Result(); err == nil {
			res = &r
		}
	}
	now := time.Now().UTC()
	state, msg := "done", ""
	var importID int64
	if err != nil {
		state, msg = "failed", apperr.MessageOf(err)
		for _, fe := range apperr.FieldsOf(err) {
			msg += " " + fe.Message
		}
		if msg == "" { // not the file's fault (the database failed): what the user needs to know
			msg = failedInternally
		}
		j.log.Error("import failed", "job", id, "err", err)
	} else {
		importID = rep.ImportID
		j.log.Info("import done", "job", id, "import", importID, "counts", rep.Counts)
	}
	var done, total int
	j.update(id, func(st *JobStatus) {
		st.State, st.Error, st.FinishedAt, st.Result, st.Phase = state, msg, &now, res, ""
		if res != nil {
			st.RowsDone = st.RowsTotal
		}
		done, total = st.RowsDone, st.RowsTotal
	})
	if err := j.d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE core_importjob SET state = $2, error = nullif($3, ''), finished_at = $4, import_id = $5,
			rows_done = $6, rows_total = $7 WHERE id = $1`, id, state, msg, now, nullID(importID), done, total)
		return err
	}); err != nil {
		j.log.Error("record the import job's outcome", "job", id, "err", err)
	}
}

func (j *Jobs) importFile(ctx context.Context, id int64, actor db.Actor, f *os.File, o SheetOptions) (*SheetReport, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	total, err := countRows(o.FileName, f)
	if err != nil {
		return nil, err
	}
	j.update(id, func(st *JobStatus) { st.RowsTotal, st.Phase = total, "importing" })
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return ImportSheet(ctx, j.d, actor, f, o, func(done int) {
		j.update(id, func(st *JobStatus) {
			st.RowsDone = done
			if done >= st.RowsTotal {
				st.Phase = "finishing"
			}
		})
	})
}

// countRows counts the data rows of a spreadsheet (blank rows left out, as the import does).
func countRows(name string, r io.Reader) (int, error) {
	sh, err := openSheet(name, r)
	if err != nil {
		return 0, err
	}
	defer sh.Close()
	n := -1 // the header
	for line := 1; ; line++ {
		cells, err := sh.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, sheetError(line, err)
		}
		if n < 0 || !blankRow(cells) {
			n++
		}
	}
	return max(n, 0), nil
}

// Status is the progress or outcome of the latest import: the one this process runs or ran,
// else the latest recorded (an interrupted one after a restart); State "idle": none.
func (j *Jobs) Status(ctx context.Context) (JobStatus, error) {
	j.mu.Lock()
	if j.cur != nil {
		st := *j.cur
		j.mu.Unlock()
		return st, nil
	}
	j.mu.Unlock()
	var st JobStatus
	var errMsg *string
	err := j.d.Pool.QueryRow(ctx, `
		SELECT id, state, kind, file_name, dry_run, rows_done, rows_total, started_at, finished_at, error
		  FROM core_importjob ORDER BY id DESC LIMIT 1`).Scan(&st.ID, &st.State, &st.Kind, &st.FileName, &st.DryRun,
		&st.RowsDone, &st.RowsTotal, &st.StartedAt, &st.FinishedAt, &errMsg)
	if errors.Is(err, pgx.ErrNoRows) {
		return JobStatus{State: "idle"}, nil
	}
	if err != nil {
		return JobStatus{}, fmt.Errorf("read the latest import: %w", err)
	}
	if errMsg != nil {
		st.Error = *errMsg
	}
	return st, nil
}

// Wait waits until no job runs (tests, and a clean stop).
func (j *Jobs) Wait() {
	j.busy.Lock()
	//nolint:staticcheck // an empty critical section: waiting is the point
	j.busy.Unlock()
}
