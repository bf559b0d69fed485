#include "piket/rota/ical.hpp"

#include <algorithm>

#include "piket/rota/wall_clock.hpp"

namespace piket::rota {
namespace {

using common::Instant;

constexpr std::chrono::hours kLookAround{24 * 31};

struct Event {
  std::string uid;
  TimeRange range;
  std::string summary;
  std::string description;
};

class Calendar {
 public:
  Calendar(std::string_view name, Instant stamp) : stamp_(format_ical_utc(stamp)) {
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//piket//rota//EN");
    line("CALSCALE:GREGORIAN");
    // No METHOD: a subscribed feed is not an iTIP message (PUBLISH would
    // require an ORGANIZER, RFC 5546).
    line("X-WR-CALNAME:" + escape_ical_text(name));
    line("X-WR-TIMEZONE:Europe/Amsterdam");
  }
  void add(const Event& e) {
    line("BEGIN:VEVENT");
    line("UID:" + escape_ical_text(e.uid));
    line("DTSTAMP:" + stamp_);
    line("DTSTART:" + format_ical_utc(e.range.start));
    line("DTEND:" + format_ical_utc(e.range.end));
    line("SUMMARY:" + escape_ical_text(e.summary));
    if (!e.description.empty()) line("DESCRIPTION:" + escape_ical_text(e.description));
    line("TRANSP:OPAQUE");
    line("END:VEVENT");
  }
  std::string finish() {
    line("END:VCALENDAR");
    return std::move(out_);
  }

 private:
  void line(const std::string& l) { out_ += fold_ical_line(l); }
  std::string stamp_;
  std::string out_;
};

TimeRange widened(TimeRange range) {
  return {range.start - kLookAround, range.end + kLookAround};
}

}  // namespace

std::string fold_ical_line(std::string_view line) {
  std::string out;
  std::size_t limit = 75;  // octets on the first line; 74 + the leading space after
  while (line.size() > limit) {
    std::size_t cut = limit;
    // Never split a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line.substr(0, cut));
    out.append("\r\n ");
    line.remove_prefix(cut);
    limit = 74;
  }
  out.append(line);
  out.append("\r\n");
  return out;
}

std::string escape_ical_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ical_for_person(const Rota& rota, std::string_view person, TimeRange range,
                            Instant stamp) {
  std::vector<Event> events;
  const std::string who(person);
  for (const auto& ref : rota.layers()) {
    std::optional<TimeRange> open;
    auto flush = [&] {
      if (open && open->overlaps(range))
        events.push_back(Event{who + "/" + ref.region + "/" + ref.layer + "/" +
                                   format_ical_utc(open->start) + "@piket",
                               *open, "On call: " + ref.layer + " (" + ref.region + ")",
                               "piket rota: " + who + " is on call in layer " + ref.layer +
                                   " of region " + ref.region + "."});
      open.reset();
    };
    for (const auto& s : rota.timeline(ref.layer, ref.region, widened(range))) {
      if (std::binary_search(s.people.begin(), s.people.end(), who)) {
        if (open)
          open->end = s.end;
        else
          open = s.range();
      } else {
        flush();
      }
    }
    flush();
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.range.start != b.range.start ? a.range.start < b.range.start : a.uid < b.uid;
  });
  Calendar cal("piket: " + who, stamp);
  for (const auto& e : events) cal.add(e);
  return cal.finish();
}

std::string ical_for_layer(const Rota& rota, std::string_view layer, std::string_view region,
                           TimeRange range, Instant stamp) {
  const std::string l(layer), r(region);
  Calendar cal("piket: " + l + " (" + r + ")", stamp);
  for (const auto& s : rota.timeline(layer, region, widened(range))) {
    if (!s.range().overlaps(range)) continue;
    std::string people;
    for (const auto& p : s.people) people += (people.empty() ? "" : ", ") + p;
    Event e{r + "/" + l + "/" + format_ical_utc(s.start) + "@piket", s.range(),
            s.gap() ? "GAP: nobody on call (" + l + ", " + r + ")" : l + " (" + r + "): " + people,
            s.gap() ? "Nobody is on call in this layer. Fill it in the rota." : ""};
    cal.add(e);
  }
  return cal.finish();
}

}  // namespace piket::rota
