#include "piket/paging/sms_bundle.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "piket/i18n/catalog.hpp"
#include "piket/paging/gsm7.hpp"
#include "piket/paging/page_class.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::paging {

using common::Instant;
namespace {

bool valid(const BundleItem& i) {
  return is_page_brief(i.brief) && (i.code.empty() || is_reply_code(i.code));
}

std::string compose(const std::vector<BundleItem>& items, const std::vector<std::size_t>& listed,
                    std::size_t more, i18n::Language l) {
  std::string text = i18n::render(l, "bundle.head", fmt::arg("count", listed.size() + more));
  bool any_code = false;
  for (std::size_t n = 0; n < listed.size(); ++n) {
    const auto& i = items[listed[n]];
    if (n > 0) text += "; ";
    text += i.code.empty() ? i18n::render(l, "bundle.info", fmt::arg("brief", i.brief))
                           : i.code + " " + i.brief;
    any_code = any_code || !i.code.empty();
  }
  text += ".";
  if (more > 0) text += " " + i18n::render(l, "bundle.more", fmt::arg("count", more));
  text += " ";
  text += i18n::text(l, any_code ? "bundle.reply" : "sms.no_reply");
  return text;
}

}  // namespace

int gsm7_segments(std::string_view text) {
  if (text.size() <= kSmsSegmentChars) return 1;
  return static_cast<int>((text.size() + 152) / 153);
}

std::optional<BundleSms> render_sms_bundle(const std::vector<BundleItem>& items,
                                           std::size_t required, i18n::Language language) {
  if (required >= items.size() || !valid(items[required])) return std::nullopt;
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < items.size(); ++k)
    if (valid(items[k])) order.push_back(k);
  // Most urgent first; the older page first among equals.
  const auto before = [&](std::size_t a, std::size_t b) {
    return std::tie(items[a].rank, items[a].created_at, a) <
           std::tie(items[b].rank, items[b].created_at, b);
  };
  std::sort(order.begin(), order.end(), before);

  // The delivery whose turn it is goes in first; then the others in urgency
  // order while the text fits. The first that does not fit ends the list, so
  // no less urgent page overtakes a more urgent one.
  std::vector<std::size_t> chosen{required};
  BundleSms out;
  const auto render = [&](std::vector<std::size_t> listed) {
    std::sort(listed.begin(), listed.end(), before);
    BundleSms b;
    b.more = order.size() - listed.size();
    b.text = compose(items, listed, b.more, language);
    b.included = std::move(listed);
    return b;
  };
  out = render(chosen);
  for (const auto k : order) {
    if (k == required) continue;
    auto next = chosen;
    next.push_back(k);
    auto b = render(next);
    if (gsm7_segments(b.text) > kBundleMaxSegments) break;
    chosen = std::move(next);
    out = std::move(b);
  }
  if (!is_gsm7_basic(out.text) || gsm7_segments(out.text) > kBundleMaxSegments) return std::nullopt;
  return out;
}

}  // namespace piket::paging
