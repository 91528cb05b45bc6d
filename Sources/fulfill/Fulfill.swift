import ArgumentParser

/// `fulfill`: the command line over the libraries. Each subcommand is thin; the work is in the libraries.
@main
struct Fulfill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fulfill",
        abstract: "Fulfil Stripe payments exactly once, and emulate Stripe offline.",
        subcommands: [
            ServeCommand.self, SetupCommand.self, DemoCommand.self, TriggerCommand.self, EventsCommand.self, EmailsCommand.self, DispatchesCommand.self,
            ReconcileCommand.self, StockCommand.self,
            MigrateCommand.self,
            EmulatorCommand.self,
        ]
    )
}
