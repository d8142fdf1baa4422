package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Leadership is the right to run a job of which a deployment runs exactly
// one (the PSA connector): on PostgreSQL a session advisory lock held on a
// dedicated connection, so it ends when the instance stops or its
// connection dies; on SQLite, where one process owns the database, it is
// always granted.
type Leadership struct {
	name    string
	conn    *sql.Conn
	lost    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	release sync.Once
}

// TryLead tries to become the instance running the named job. It returns
// nil without error when another instance holds it. checkEvery is how
// often the lock's connection is checked (the Lost channel closes when it
// fails).
func (s *Store) TryLead(ctx context.Context, name string, checkEvery time.Duration) (*Leadership, error) {
	l := &Leadership{name: name, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	if s.dialect != Postgres {
		close(l.done)
		return l, nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	conn, err := s.db.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage: connecting for the %s lock: %w", name, err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, leaderTrySQL, name).Scan(&ok); err != nil {
		conn.Close()
		return nil, fmt.Errorf("storage: taking the %s lock: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, nil
	}
	l.conn = conn
	if checkEvery <= 0 {
		checkEvery = 10 * time.Second
	}
	go l.watch(checkEvery)
	return l, nil
}

// watch pings the lock's connection; a dead connection has lost the lock.
func (l *Leadership) watch(every time.Duration) {
	defer close(l.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			err := l.conn.PingContext(ctx)
			cancel()
			if err != nil {
				close(l.lost)
				return
			}
		}
	}
}

// Lost is closed when the lock is lost without Release (the database
// connection failed); the job must stop.
func (l *Leadership) Lost() <-chan struct{} { return l.lost }

// Release gives the job up, so another instance can take it over.
func (l *Leadership) Release() {
	l.release.Do(func() {
		if l.conn == nil {
			return
		}
		close(l.stop)
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		l.conn.ExecContext(ctx, leaderUnlockSQL, l.name)
		l.conn.Close()
	})
}
