package ai.audioldm2.jobs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationQueueTest {

    private static final long WAIT_SECONDS = 10;

    private final CountDownLatch release = new CountDownLatch(1);
    private GenerationQueue queue;

    @AfterEach
    void tearDown() {
        release.countDown();
        queue.close();
    }

    /** Work that holds its worker until the test releases it. */
    private Function<BooleanSupplier, String> blocker(CountDownLatch started) {
        return cancelled -> {
            started.countDown();
            await(release);
            return "done";
        };
    }

    @Test
    void refusesAtOnceWhenWorkersAndQueueAreFull() throws Exception {
        queue = new GenerationQueue(1, 1);
        CountDownLatch started = new CountDownLatch(1);
        Job<String> running = queue.submit(blocker(started));
        await(started);
        Job<String> waiting = queue.submit(blocker(new CountDownLatch(1)));
        assertEquals(1, queue.running());
        assertEquals(1, queue.queued());

        assertThrows(QueueFullException.class, () -> queue.submit(blocker(new CountDownLatch(1))));

        release.countDown();
        assertEquals("done", running.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals("done", waiting.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void capacityZeroMeansNoWaiting() {
        queue = new GenerationQueue(1, 0);
        CountDownLatch started = new CountDownLatch(1);
        queue.submit(blocker(started));
        await(started);
        assertThrows(QueueFullException.class, () -> queue.submit(blocker(new CountDownLatch(1))));
    }

    @Test
    void runsAtMostConcurrencyJobsAtOnce() throws Exception {
        queue = new GenerationQueue(2, 4);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch twoStarted = new CountDownLatch(2);
        Function<BooleanSupplier, String> work = cancelled -> {
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            twoStarted.countDown();
            await(release);
            inFlight.decrementAndGet();
            return "done";
        };
        var jobs = java.util.stream.IntStream.range(0, 6).mapToObj(i -> queue.submit(work)).toList();
        await(twoStarted);
        assertEquals(2, queue.running());
        assertEquals(4, queue.queued());
        release.countDown();
        for (Job<String> job : jobs) {
            job.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        assertEquals(2, peak.get());
    }

    @Test
    void cancellingAQueuedJobRemovesItWithoutRunningIt() throws Exception {
        queue = new GenerationQueue(1, 2);
        CountDownLatch started = new CountDownLatch(1);
        queue.submit(blocker(started));
        await(started);
        AtomicBoolean ran = new AtomicBoolean();
        Job<String> queued = queue.submit(cancelled -> {
            ran.set(true);
            return "ran";
        });
        assertEquals(1, queue.queued());

        queued.cancel();

        assertEquals(0, queue.queued());
        assertEquals(Job.State.CANCELLED_WHILE_QUEUED, queued.state());
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> queued.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(JobCancelledException.class, failure.getCause());
        release.countDown();
        // The next job proves the worker went on past the withdrawn one.
        assertEquals("next", queue.submit(cancelled -> "next").result().toCompletableFuture()
                .get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertFalse(ran.get());
    }

    @Test
    void cancellingARunningJobRaisesTheFlagItPollsAndFreesTheWorker() throws Exception {
        queue = new GenerationQueue(1, 0);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger polls = new AtomicInteger();
        Job<String> job = queue.submit(cancelled -> {
            while (!cancelled.getAsBoolean()) {
                polls.incrementAndGet();
                started.countDown(); // after a poll: on a loaded machine the cancel could otherwise come first
                Thread.onSpinWait();
            }
            throw new JobCancelledException("stopped between steps");
        });
        await(started);

        job.cancel();

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> job.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(JobCancelledException.class, failure.getCause());
        assertTrue(polls.get() > 0);
        assertEquals("free", queue.submit(cancelled -> "free").result().toCompletableFuture()
                .get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, queue.running());
    }

    @Test
    void aCallerCancellingItsViewDoesNotCompleteTheJob() throws Exception {
        queue = new GenerationQueue(1, 0);
        CountDownLatch started = new CountDownLatch(1);
        Job<String> job = queue.submit(blocker(started));
        await(started);
        job.result().toCompletableFuture().cancel(true); // what Mutiny does to its copy when a client leaves
        release.countDown();
        assertEquals("done", job.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void aBatchTakesOnePlacePerRequestAndGivesThemBackWhenWithdrawn() throws Exception {
        queue = new GenerationQueue(1, 3);
        CountDownLatch started = new CountDownLatch(1);
        Job<String> running = queue.submit(blocker(started));
        await(started);
        Job<String> batch = queue.submit(2, blocker(new CountDownLatch(1)));
        assertEquals(2, queue.queued());
        queue.submit(blocker(new CountDownLatch(1)));               // the last of 1 + 3 places
        assertEquals(3, queue.queued());
        assertThrows(QueueFullException.class, () -> queue.submit(blocker(new CountDownLatch(1))));

        batch.cancel();
        assertEquals(1, queue.queued());
        queue.submit(2, blocker(new CountDownLatch(1)));            // its two places are free again
        assertThrows(QueueFullException.class, () -> queue.submit(blocker(new CountDownLatch(1))));
        release.countDown();
        assertEquals("done", running.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void aBatchLargerThanTheQueueNeedsItEmpty() throws Exception {
        queue = new GenerationQueue(1, 1);
        CountDownLatch started = new CountDownLatch(1);
        Job<String> big = queue.submit(5, blocker(started));      // capped at all 2 places
        await(started);
        assertThrows(QueueFullException.class, () -> queue.submit(blocker(new CountDownLatch(1))));
        release.countDown();
        assertEquals("done", big.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
        // finished: both places back
        Job<String> a = queue.submit(cancelled -> "a");
        Job<String> b = queue.submit(cancelled -> "b");
        assertEquals("a", a.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals("b", b.result().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> queue.submit(0, cancelled -> "none"));
    }

    @Test
    void workersAreAliveUntilClosed() {
        queue = new GenerationQueue(3, 1);
        assertTrue(queue.workersAlive());
        queue.close();
        assertFalse(queue.workersAlive());
    }

    @Test
    void rejectsNonsenseSizes() {
        queue = new GenerationQueue(1, 0);
        assertThrows(IllegalArgumentException.class, () -> new GenerationQueue(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new GenerationQueue(1, -1));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for a latch");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
