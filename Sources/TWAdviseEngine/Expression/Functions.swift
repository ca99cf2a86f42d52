/// The built-in functions: one table that drives type checking, evaluation and `rules explain`/docs.
package enum Builtin: String, CaseIterable, Sendable {
    case min, max, abs, ceil, floor, count, sum, any, all, first, has, contains, startsWith, str, version
    case `default`

    package var signature: String {
        switch self {
        case .min: return "min(a, b, ...) | min(list) | min(x in list: number)"
        case .max: return "max(a, b, ...) | max(list) | max(x in list: number)"
        case .abs: return "abs(number)"
        case .ceil: return "ceil(number)"
        case .floor: return "floor(number)"
        case .first: return "first(list)"
        case .count: return "count(list) | count(x in list: bool)"
        case .sum: return "sum(list) | sum(x in list: number)"
        case .any: return "any(list of bool) | any(x in list: bool)"
        case .all: return "all(list of bool) | all(x in list: bool)"
        case .has: return "has(fact)"
        case .contains: return "contains(string, string)"
        case .startsWith: return "startsWith(string, string)"
        case .str: return "str(value)"
        case .version: return "version(string)"
        case .default: return "default(value, fallback)"
        }
    }

    package var summary: String {
        switch self {
        case .min: return "smallest value; unknown if any input is unknown (0 items: unknown)"
        case .max: return "largest value; unknown if any input is unknown (0 items: unknown)"
        case .abs: return "absolute value"
        case .ceil: return "smallest integer not below the number"
        case .floor: return "largest integer not above the number"
        case .first: return "the first item (lists of destinations come most loaded first); unknown when empty"
        case .count: return "number of items, or of items for which the condition is true (unknown if any is unknown)"
        case .sum: return "sum of the numbers (0 for an empty list)"
        case .any: return "true if some item is true; false if all are false; otherwise unknown"
        case .all: return "true if every item is true; false if some is false; otherwise unknown"
        case .has: return "true when the fact is known: the explicit way to act on missing data"
        case .contains: return "whether the first string contains the second"
        case .startsWith: return "whether the first string starts with the second"
        case .str: return "the value as text (for subjects)"
        case .version: return "a dotted version from text; a string literal compared with a version converts by itself"
        case .default: return "the value when known, the fallback otherwise"
        }
    }

    /// Functions that take the `x in list: body` form.
    package var takesComprehension: Bool {
        [.min, .max, .count, .sum, .any, .all].contains(self)
    }
}
