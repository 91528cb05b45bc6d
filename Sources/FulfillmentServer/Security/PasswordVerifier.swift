#if canImport(Glibc)
import Glibc
#endif
import HummingbirdBcrypt
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Checks the console password against its bcrypt hash (cost 12: about a quarter of a second of CPU) on one
/// thread of its own at the lowest scheduling priority (`SCHED_IDLE`), never on the event loops or Swift's
/// cooperative pool: under load, webhook intake and the workers get the cores first and a verification waits.
/// At most `maximumWaiting` verifications wait at once; past that an attempt is refused without one. Counts
/// every verification it runs (the bench and tests read it). A service: its thread stops with the application.
final class PasswordVerifier: Service, Sendable {
    private enum PoolState { case idle, started, stopped }

    private let pool = NIOThreadPool(numberOfThreads: 1)
    private let poolState = Mutex(PoolState.idle)
    private let waiting = Atomic<Int>(0)
    private let verified = Atomic<Int>(0)
    let maximumWaiting: Int
    /// Called for every verification run (a metric).
    private let onVerification: @Sendable () -> Void

    init(maximumWaiting: Int = 4, onVerification: @escaping @Sendable () -> Void = {}) {
        self.maximumWaiting = maximumWaiting
        self.onVerification = onVerification
    }

    /// Stops the thread if `run` never did (a service built but never run).
    deinit {
        if poolState.withLock({ $0 }) == .started { try? pool.syncShutdownGracefully() }
    }

    /// How many verifications ran.
    var verifications: Int { verified.load(ordering: .relaxed) }

    /// Whether `password` matches `hash`; `nil` when too many verifications already wait, or the application
    /// is stopping (the caller refuses the attempt unchecked).
    func verify(_ password: String, hash: String) async -> Bool? {
        guard waiting.wrappingAdd(1, ordering: .relaxed).newValue <= maximumWaiting else {
            waiting.wrappingSubtract(1, ordering: .relaxed)
            return nil
        }
        defer { waiting.wrappingSubtract(1, ordering: .relaxed) }
        // The thread starts with the first verification: a service that never checks a password has none.
        let running: Bool = poolState.withLock { state in
            if state == .idle {
                pool.start()
                pool.submit { _ in Self.lowerPriority() }
                state = .started
            }
            return state == .started
        }
        guard running else { return nil }
        verified.wrappingAdd(1, ordering: .relaxed)
        onVerification()
        return try? await pool.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    func run() async throws {
        try? await gracefulShutdown()
        let started = poolState.withLock { state in
            defer { state = .stopped }
            return state == .started
        }
        if started { try await pool.shutdownGracefully() }
    }

    /// The calling thread runs only when no other thread wants its core (`SCHED_IDLE`, which any thread may
    /// choose for itself on Linux), or failing that at nice 19. Both are per thread: Linux keeps the policy
    /// and the nice value per thread, and id 0 names the calling thread (sched_setscheduler(2),
    /// setpriority(2) "BUGS").
    private static func lowerPriority() {
        #if os(Linux)
        let schedIdle: Int32 = 5  // SCHED_IDLE, which Glibc declares only under _GNU_SOURCE
        var parameters = sched_param()
        parameters.sched_priority = 0
        if sched_setscheduler(0, schedIdle, &parameters) != 0 {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        }
        #endif
    }
}
