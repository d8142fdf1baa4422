package storage

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// passwordPool bounds bcrypt work: at most one comparison per CPU but one
// runs at a time (one CPU stays free for requests that need no hash) and a
// few more per worker may wait; beyond that a check is refused at once
// (ErrBusy) instead of queueing. A flood of wrong guesses from many
// addresses thus costs at most those CPUs and a short queue, and a password
// already verified (verifiedCache) never enters the pool at all.
type passwordPool struct {
	sem     *semaphore.Weighted
	limit   int64        // running plus waiting
	inPool  atomic.Int64 // running plus waiting now
	maxWait time.Duration
}

// passwordQueuePerWorker is how many checks may wait per worker: few
// enough that the last in the queue waits seconds, not minutes, at
// DefaultPasswordCost (docs/performance.md has a comparison's cost).
const passwordQueuePerWorker = 16

// passwordMaxWait bounds the wait for a worker whatever the caller's
// deadline.
const passwordMaxWait = 10 * time.Second

func newPasswordPool(workers int) *passwordPool {
	if workers <= 0 {
		workers = max(1, runtime.NumCPU()-1)
	}
	return &passwordPool{sem: semaphore.NewWeighted(int64(workers)), limit: int64(workers * (1 + passwordQueuePerWorker)),
		maxWait: passwordMaxWait}
}

// run runs fn on a worker; ErrBusy when the queue is full or no worker
// came free within the wait bound.
func (p *passwordPool) run(ctx context.Context, fn func()) error {
	if p.inPool.Add(1) > p.limit {
		p.inPool.Add(-1)
		return ErrBusy
	}
	defer p.inPool.Add(-1)
	ctx, cancel := context.WithTimeout(ctx, p.maxWait)
	defer cancel()
	if err := p.sem.Acquire(ctx, 1); err != nil {
		return ErrBusy
	}
	defer p.sem.Release(1)
	fn()
	return nil
}
