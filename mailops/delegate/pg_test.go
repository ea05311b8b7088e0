package delegate

import (
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mailops-dev/mailops/internal/pgtest"
)

// pgc is the package's throwaway PostgreSQL cluster.
var pgc pgtest.Cluster

// pgPool returns a pool on a fresh database of the package's cluster.
func pgPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	return pgc.Pool(t)
}

func TestMain(m *testing.M) {
	if os.Getenv(killEnv) != "" { // a child of TestSIGKILLDuringApply
		os.Exit(killChild())
	}
	code := m.Run()
	pgc.Stop()
	os.Exit(code)
}
