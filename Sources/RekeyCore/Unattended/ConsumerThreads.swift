import Foundation

/// The threads the consumers of one unattended invocation run on: `--parallel` of them.
///
/// A rotation spends most of its time in blocking system calls (about twenty fsyncs, the locks),
/// and Swift's shared executor has one thread per core: on it, `--parallel 16` on two cores still
/// had only two fsyncs in flight at once. On these threads the fsyncs of `parallel` consumers
/// overlap, which the disk batches; waiting on the network still suspends the task and frees its
/// thread. The threads end with `shutdown()`.
final class ConsumerThreads: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var next = 0
    private var stopping = false

    init(count: Int) {
        for index in 0..<max(1, count) {
            let thread = Thread { [self] in work() }
            thread.name = "rekey-consumer-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once the queue is empty.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while next == jobs.count && !stopping { condition.wait() }
            guard next < jobs.count else {
                condition.unlock()
                return
            }
            let job = jobs[next]
            next += 1
            if next == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                next = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
