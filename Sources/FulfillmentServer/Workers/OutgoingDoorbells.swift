import StripeAPI

/// The doorbells of the two outgoing workers (emails, dispatches): a change that queues anything rings both,
/// as one transaction may queue an email and a notification together. A doorbell wakes one waiter, hence two.
struct OutgoingDoorbells: Sendable {
    let emails = Doorbell()
    let dispatches = Doorbell()

    func ring() {
        emails.ring()
        dispatches.ring()
    }
}
