#pragma once
// Reading the SMS that Kannel delivered to fakesmsc, from fakesmsc's own log.
//
// Format, observed with Kannel 1.4.5 (fakesmsc from kannel-extras, smsc_fake in bearerbox):
// fakesmsc logs every line bearerbox sends it as
//
//   2026-11-22 16:21:50 [4269] [0] DEBUG: Got message 1: <4411 +31612345678 text hello world!>
//
// (INFO instead of DEBUG for the message whose number equals fakesmsc's -m limit). Inside <...>
// is smsc_fake's wire line "<from> <to> <type> <payload>":
//   text  <payload>                  7-bit/default coding: the text as is (UTF-8), NOT encoded
//   data  <url-encoded bytes>        coding=1 (8-bit), '+' for space
//   ucs-2 <url-encoded UCS-2 BE>     coding=2
//   udh   <url-encoded UDH> data <url-encoded payload>
//                                    any message with a UDH, e.g. each part of a concatenated
//                                    (multipart) SMS: UDH 05 00 03 <ref> <total> <seq>
//
// What parse_fakesmsc_log() makes of that, so callers see plain UTF-8 text:
// - text: as is. The wire protocol is line based, so a text containing a newline arrives as
//   two lines, the second of which fakesmsc counts as a message of its own ("Got message 4:
//   <line2>"). A line that is not "<from> <to> <known type> ..." directly after a text message is
//   therefore joined to it with '\n' ("\r\n" in the original text also becomes '\n'). A
//   continuation line that happens to look like "a b text c" cannot be told apart and is taken
//   as a new message.
// - data: url-decoded bytes.
// - ucs-2: url-decoded, converted from UTF-16BE to UTF-8.
// - udh: concatenated parts (8- or 16-bit reference IE) with the same from/to/reference/total
//   are reassembled in sequence order into one DeliveredSms, placed where the first part
//   appeared; an incomplete set yields the parts that arrived. The payload carries no coding
//   marker: if it has an even length and contains a NUL byte it is taken as UCS-2 BE, otherwise
//   as UTF-8/8-bit bytes.
// - Lines without "Got message N: <" and a closing '>' (other log lines, a line still being
//   written) are ignored.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace piket::launch {

struct DeliveredSms {
  std::string from;
  std::string to;
  std::string text;

  friend bool operator==(const DeliveredSms&, const DeliveredSms&) = default;
};

// {from="4411" to="+316..." text="..."} (for test failure messages and logs).
std::ostream& operator<<(std::ostream& out, const DeliveredSms& sms);

std::vector<DeliveredSms> parse_fakesmsc_log(std::string_view contents);

// UTF-16 big endian to UTF-8; unpaired surrogates and a trailing odd byte become U+FFFD.
std::string utf16be_to_utf8(std::string_view bytes);

}  // namespace piket::launch
