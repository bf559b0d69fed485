#include "piket/common/crypto.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>
#include <string>
#include <string_view>

namespace piket::common {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

TEST(CryptoTest, Sha256KnownVectors) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(CryptoTest, Sha256HandlesEmbeddedNul) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(sha256_hex(with_nul), sha256_hex("a"));
  EXPECT_EQ(sha256_hex(with_nul).size(), 64u);
}

TEST(CryptoTest, RandomBase32LengthAndAlphabet) {
  for (const std::size_t n : {0u, 1u, 8u, 16u, 100u}) {
    const auto s = random_base32(n);
    EXPECT_EQ(s.size(), n);
    for (const char c : s) EXPECT_NE(kCrockford.find(c), std::string_view::npos) << c;
  }
}

TEST(CryptoTest, RandomBase32UsesTheWholeAlphabetAndNothingElse) {
  const auto s = random_base32(20'000);
  const std::set<char> seen(s.begin(), s.end());
  EXPECT_EQ(seen.size(), kCrockford.size());
  for (const char banned : {'I', 'L', 'O', 'U', 'a', 'z'}) EXPECT_EQ(seen.count(banned), 0u);
}

TEST(CryptoTest, RandomBase32Differs) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(random_base32(16));
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(CryptoTest, RandomDigits) {
  const auto s = random_digits(5000);
  ASSERT_EQ(s.size(), 5000u);
  const std::set<char> seen(s.begin(), s.end());
  EXPECT_EQ(seen, (std::set<char>{'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'}));
}

// Each digit equally likely: a byte taken modulo 10 without dropping 250-255
// would make 0-5 some 4 % more frequent than 6-9 (here a difference of about
// 7,800 per digit against a spread of some 300).
TEST(CryptoTest, RandomDigitsAreUnbiased) {
  constexpr std::size_t kCount = 2'000'000;
  const auto s = random_digits(kCount);
  ASSERT_EQ(s.size(), kCount);
  std::array<double, 10> seen{};
  for (const char c : s) seen[static_cast<std::size_t>(c - '0')] += 1;
  const double low = (seen[0] + seen[1] + seen[2] + seen[3] + seen[4] + seen[5]) / 6;
  const double high = (seen[6] + seen[7] + seen[8] + seen[9]) / 4;
  EXPECT_LT(std::abs(low - high), 1500) << low << " " << high;
}

TEST(CryptoTest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret-token", "secret-token"));
  EXPECT_FALSE(constant_time_equal("secret-token", "secret-tokeN"));
  EXPECT_FALSE(constant_time_equal("Xecret-token", "secret-token"));
  EXPECT_FALSE(constant_time_equal("secret", "secret-token"));  // prefix
  EXPECT_FALSE(constant_time_equal("secret-token", ""));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace piket::common
