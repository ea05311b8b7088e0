// Package pgtest starts a throwaway PostgreSQL cluster for tests: Debian's
// PostgreSQL 15 server binaries, a unix socket in a temporary directory, no
// TCP listener, trust authentication, fsync off. Run as root it starts the
// cluster as the postgres user (PostgreSQL refuses to run as root). Without
// the binaries a test is skipped, unless CI is set, where it fails.
package pgtest

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

// Bin is where Debian installs PostgreSQL 15's server binaries.
const Bin = "/usr/lib/postgresql/15/bin"

// Cluster is a throwaway cluster, started on first use. The zero value is
// ready; Stop removes it.
type Cluster struct {
	once sync.Once
	dir  string
	asPG bool
	err  error
	dbs  atomic.Int64
}

func (c *Cluster) cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(Bin, name)
	if c.asPG {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (c *Cluster) start() error {
	if _, err := os.Stat(filepath.Join(Bin, "initdb")); err != nil {
		return fmt.Errorf("postgresql server binaries: %w", err)
	}
	dir, err := os.MkdirTemp("", "mailops-pg-")
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

// Stop stops and removes the cluster, if it was started.
func (c *Cluster) Stop() {
	if c.dir == "" {
		return
	}
	_ = c.cmd("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "stop").Run()
	_ = os.RemoveAll(c.dir)
}

// URL returns a connection string for a fresh database of the cluster
// (created now), for a pool in this process or in a child process.
func (c *Cluster) URL(t testing.TB) string {
	t.Helper()
	c.once.Do(func() { c.err = c.start() })
	if c.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL: %v", c.err)
		}
		t.Skipf("PostgreSQL not available (CI unset): %v", c.err)
	}
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, fmt.Sprintf("host=%s user=postgres dbname=postgres", c.dir))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("t%d", c.dbs.Add(1))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("host=%s user=postgres dbname=%s", c.dir, name)
}

// Pool returns a pool on a fresh database, closed when the test ends.
func (c *Cluster) Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), c.URL(t)+" pool_max_conns=8")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
