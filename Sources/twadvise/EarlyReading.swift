import Synchronization
import TWAdvise

/// The live host read as `diagnose` and `snapshot` read it with no option, begun before the command line is
/// parsed: argument-parser's first parse takes a few milliseconds of the main job, and with no option the
/// reading does not depend on it. The parsed command takes the reading only when its input is exactly the one
/// read (``take(for:)``); any other command line never starts one.
enum EarlyReading {
    /// The input `diagnose` and `snapshot` read with no option (``FactsInputOptions``' defaults).
    static let input = FactsInput(topDestinations: FactsInputOptions.defaultTop)

    /// The command lines whose input is ``input``: the main job (`twadvise`, `twadvise diagnose`) and a
    /// snapshot with no option.
    static func wanted(for arguments: [String]) -> Bool {
        arguments.isEmpty || arguments == ["diagnose"] || arguments == ["snapshot"]
    }

    private static let reading = Mutex<Concurrent<Result<[FactsSnapshot], FactsInputError>>?>(nil)

    /// Begins reading ``input`` on a worker when `arguments` want it.
    static func start(for arguments: [String]) {
        guard wanted(for: arguments) else { return }
        let worker = Concurrent { () -> Result<[FactsSnapshot], FactsInputError> in
            do throws(FactsInputError) {
                return .success(try input.load())
            } catch {
                return .failure(error)
            }
        }
        reading.withLock { $0 = worker }
    }

    /// The early reading, once, when `wanted` is the input it read; `nil` otherwise (the caller reads).
    static func take(for wanted: FactsInput) -> Result<[FactsSnapshot], FactsInputError>? {
        guard wanted == input, let worker = reading.withLock({ value in defer { value = nil }; return value }) else { return nil }
        return worker.wait()
    }
}
