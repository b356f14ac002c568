/* A command set or data set in the tree, element by element (tree_dataset.cpp). */
#pragma once

#include <string>

#include "dimse/dimse.hpp"
#include "view/tree_common.h"

/* Whether element items under `t` can be seen or filtered on. A tree that exists only so that
 * other fields can be read (a postdissector's, a filter's) need not hold them. */
bool elements_wanted(proto_tree *t, bool command);
/* The elements of `ds` under `t` (or only their findings, when no element can be seen or
 * filtered on). `bytes`: the set's kept bytes, shown as a data source named `source_name`. */
void add_dataset(const PduContext &c, proto_tree *t, const dicom::DataSet &ds, bool command,
                 const dicom::Command *cmd, const std::string &bytes, const char *source_name);
