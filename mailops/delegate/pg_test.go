package delegate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgBin is where Debian installs PostgreSQL 15's server binaries.
const pgBin = "/usr/lib/postgresql/15/bin"

// pgCluster is a throwaway PostgreSQL cluster on a unix socket in a
// temporary directory, started once for the package's tests.
type pgCluster struct {
	dir  string
	asPG bool // started through runuser as the postgres user (tests run as root)
	err  error
}

var (
	pgOnce sync.Once
	pgc    pgCluster
	pgDBs  atomic.Int64
)

func (c *pgCluster) cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pgBin, name)
	if c.asPG {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (c *pgCluster) start() error {
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		return fmt.Errorf("postgresql server binaries: %w", err)
	}
	dir, err := os.MkdirTemp("", "delegate-pg-")
	if err != nil {
		return err
	}
	c.dir = dir
	if os.Geteuid() == 0 {
		c.asPG = true
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.cmd("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -F -c fsync=off", dir)
	if out, err := c.cmd("pg_ctl", "-D", data, "-o", opts, "-w", "-l", filepath.Join(dir, "log"), "start").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %w: %s", err, out)
	}
	return nil
}

func (c *pgCluster) stop() {
	if c.dir == "" {
		return
	}
	_ = c.cmd("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "stop").Run()
	_ = os.RemoveAll(c.dir)
}

// pgPool returns a pool on a fresh database of the package's cluster. Without
// PostgreSQL the test is skipped, unless CI is set, where it fails.
func pgPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pgOnce.Do(func() { pgc.err = pgc.start() })
	if pgc.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL: %v", pgc.err)
		}
		t.Skipf("PostgreSQL not available (CI unset): %v", pgc.err)
	}
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, fmt.Sprintf("host=%s user=postgres dbname=postgres", pgc.dir))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("t%d", pgDBs.Add(1))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, fmt.Sprintf("host=%s user=postgres dbname=%s pool_max_conns=8", pgc.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestMain(m *testing.M) {
	if os.Getenv(killEnv) != "" { // a child of TestSIGKILLDuringApply
		os.Exit(killChild())
	}
	code := m.Run()
	pgc.stop()
	os.Exit(code)
}
