#include <gtest/gtest.h>

#include "base/bytes.hpp"
#include "base/uids.hpp"

using namespace dicom;

TEST(Uids, RegistryNames) {
    ASSERT_NE(find_uid("1.2.840.10008.5.1.4.1.1.2"), nullptr);
    EXPECT_STREQ(uid_name("1.2.840.10008.5.1.4.1.1.2"), "CT Image Storage");
    EXPECT_STREQ(uid_name("1.2.840.10008.1.1"), "Verification SOP Class");
    EXPECT_STREQ(uid_name("1.2.840.10008.3.1.1.1"), "DICOM Application Context Name");
    EXPECT_EQ(find_uid("1.2.840.10008.1.2")->kind, UidKind::TransferSyntax);
    EXPECT_TRUE(find_uid("1.2.840.10008.1.2.2")->retired);
    EXPECT_EQ(find_uid("1.2.840.10008.5.1.4.1.1.2.9"), nullptr);
    EXPECT_EQ(uid_name("1.2.3"), nullptr);
}

TEST(Uids, ImplementationRoots) {
    EXPECT_STREQ(uid_name("1.2.276.0.7230010.3.0.3.6.7"), "OFFIS DCMTK");
    EXPECT_EQ(uid_name("1.2.276.0.7230010"), nullptr);
}

TEST(Uids, Validity) {
    EXPECT_TRUE(is_valid_uid("1.2.840.10008.1.2.1"));
    EXPECT_TRUE(is_valid_uid("1.2.0.3"));
    EXPECT_FALSE(is_valid_uid(""));
    EXPECT_FALSE(is_valid_uid("1.2."));
    EXPECT_FALSE(is_valid_uid(".1.2"));
    EXPECT_FALSE(is_valid_uid("1..2"));
    EXPECT_FALSE(is_valid_uid("1.02"));
    EXPECT_FALSE(is_valid_uid("1.2a"));
    EXPECT_FALSE(is_valid_uid(std::string(65, '1')));
}

TEST(Text, TrimAndAeTitles) {
    EXPECT_EQ(trim_padding("  PACS      \0\0"), "PACS");
    EXPECT_EQ(trim_padding(std::string_view("PACS\0\0", 6)), "PACS");
    EXPECT_TRUE(is_valid_ae_title("PACS            "));
    EXPECT_FALSE(is_valid_ae_title("                "));
    EXPECT_FALSE(is_valid_ae_title("PA\\CS           "));
    EXPECT_FALSE(is_valid_ae_title("PA\nCS           "));
}
