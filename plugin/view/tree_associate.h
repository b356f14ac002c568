/* Tree of an A-ASSOCIATE-RQ/AC (tree_associate.cpp). */
#pragma once

#include "ul/associate.hpp"
#include "view/tree_common.h"

void tree_associate(const PduContext &c, const dicom::Associate &a);
